"""After checking in, the page says the member's rank of the day and streak, and shows the latest
check-ins of the others as the feed does (private photos stay private)."""

from __future__ import annotations

import pytest

from habits.domain.lifecycle import EnrollmentStatus
from habits.web.i18n import ordinal
from tests.factories import add_to_community, at_local, make_checkin, make_enrollment, make_member
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, log_in, text_of


def _url(enrollment) -> str:
    return f"/enrollments/{enrollment.id}/checkin"


def _others(session, world, names):
    enrollments = []
    for name in names:
        member = make_member(session, display_name=name)
        add_to_community(session, world.community, member)
        enrollments.append(make_enrollment(session, world.challenge, member, status=EnrollmentStatus.ACTIVE))
    return enrollments


def test_after_checking_in_the_page_shows_rank_streak_and_the_others(client, session, world):
    others = _others(session, world, ["Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera"])
    make_checkin(session, world.enrollment, 0)
    for i, enrollment in enumerate(others):
        kwargs = {"note": "up early"} if i == 5 else {}
        if i == 4:
            kwargs = {"photo_path": "x/y.png", "photo_content_type": "image/png", "photo_private": True}
        make_checkin(session, enrollment, 1, at=at_local(world.challenge, 1, f"05:0{i}"), **kwargs)
    with travel(at_local(world.challenge, 1, "05:42")):
        log_in(client, world.member)
        page = client.get(_url(world.enrollment))
        client.post(_url(world.enrollment), data={"csrf_token": csrf_token(page.data)})
        done = text_of(client.get(_url(world.enrollment)))
    assert "You are the 7th to check in today." in done
    assert "Your streak: 2 days in a row." in done
    assert "Latest check-ins of the others" in done
    # the five latest of the others, newest first; the oldest (Quinn) is left for the feed
    names = ["Vera", "Umar", "Tara", "Sven", "Rosa"]
    assert [done.index(name) for name in names] == sorted(done.index(name) for name in names)
    assert "Quinn" not in done and "up early" in done
    assert "Private photo" in done and "Their photo" not in done


def test_the_first_to_check_in_sees_that_nobody_else_has(client, session, world):
    with travel(at_local(world.challenge, 0, "05:01")):
        log_in(client, world.member)
        page = client.get(_url(world.enrollment))
        client.post(_url(world.enrollment), data={"csrf_token": csrf_token(page.data)})
        done = text_of(client.get(_url(world.enrollment)))
    assert "You are the 1st to check in today." in done
    assert "Your streak: 1 day in a row." in done
    assert "Nobody else has checked in yet." in done


@pytest.mark.parametrize(
    ("n", "english"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (23, "23rd"), (101, "101st"), (111, "111th"), (112, "112th")],
)  # fmt: skip
def test_ordinals_in_english_and_chinese(app, n, english):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert ordinal(n) == english
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert ordinal(n) == f"第 {n} 个"
