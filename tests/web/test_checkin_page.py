"""The check-in page: one tap inside the window, a clear answer outside it, evidence when asked."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import CheckIn
from tests import images
from tests.factories import at_local, make_challenge, make_enrollment
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, log_in, post_form, text_of

PNG = images.png()


def _checkins(session, enrollment) -> int:
    return session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.enrollment_id == enrollment.id)
    )


def _url(enrollment) -> str:
    return f"/enrollments/{enrollment.id}/checkin"


def test_one_tap_checks_in_and_shows_the_success_state(client, session, world):
    with travel(at_local(world.challenge, 1, "05:42")):
        log_in(client, world.member)
        page = client.get(_url(world.enrollment))
        assert "Check in now" in text_of(page) and "Day 2 of 7" in text_of(page)
        response = client.post(_url(world.enrollment), data={"csrf_token": csrf_token(page.data)})
        assert response.status_code == 302
        done = text_of(client.get(_url(world.enrollment)))
    assert "You are checked in for today" in done
    assert "Checked in for day 2. Well done!" in done
    assert "CN¥10.00" in done  # today's stake, back at settlement
    row = session.scalar(select(CheckIn).where(CheckIn.enrollment_id == world.enrollment.id))
    assert row.day_index == 1 and row.counts_for_money


def test_the_details_are_kept_with_the_check_in(client, session, world):
    with travel(at_local(world.challenge, 0, "06:10")):
        log_in(client, world.member)
        response = post_form(
            client,
            _url(world.enrollment),
            {"note": "ran to the river", "value": "5,2", "photo": (io.BytesIO(PNG), "me.png")},
            content_type="multipart/form-data",
        )
    assert response.status_code == 302
    row = session.scalar(select(CheckIn).where(CheckIn.enrollment_id == world.enrollment.id))
    assert row.note == "ran to the river" and row.value == 5.2
    assert row.photo_content_type == "image/png" and row.photo_path


def test_outside_the_window_the_page_says_when_it_opens(client, session, world):
    with travel(at_local(world.challenge, 1, "07:30")):
        log_in(client, world.member)
        page = client.get(_url(world.enrollment))
        assert "The window is closed right now" in text_of(page)
        # day 3, 05:00 Shanghai, in the member's own zone (UTC), named
        assert "Next window: tomorrow at 9:00\u202fPM (UTC)." in text_of(page)
        assert "Check in now" not in text_of(page)
        response = client.post(_url(world.enrollment), data={"csrf_token": csrf_token(page.data)})
        assert response.status_code == 302
        shown = text_of(client.get(_url(world.enrollment)))
    assert "Check-ins are closed right now. Next window: tomorrow at 9:00\u202fPM (UTC)." in shown
    assert _checkins(session, world.enrollment) == 0


def test_a_second_tap_on_the_same_day_changes_nothing(client, session, world):
    with travel(at_local(world.challenge, 0, "05:01")):
        log_in(client, world.member)
        token = csrf_token(client.get(_url(world.enrollment)).data)
        client.post(_url(world.enrollment), data={"csrf_token": token})
        response = client.post(_url(world.enrollment), data={"csrf_token": token})
        assert response.status_code == 302
        assert "You have already checked in for day 1." in text_of(client.get(_url(world.enrollment)))
    assert _checkins(session, world.enrollment) == 1


def test_missing_evidence_shows_field_errors_and_stores_nothing(client, session, world):
    strict = make_challenge(session, world.community, requires_photo=True, requires_code_word=True)
    enrollment = make_enrollment(session, strict, world.member, status=EnrollmentStatus.ACTIVE)
    with travel(at_local(strict, 0, "05:30")):
        log_in(client, world.member)
        page = client.get(_url(enrollment))
        assert "Today&#39;s code word:" in text_of(page) or "Today's code word:" in text_of(page)
        assert 'accept="image/*"' in text_of(page) and "capture" in text_of(page)
        response = client.post(_url(enrollment), data={"csrf_token": csrf_token(page.data), "note": "up!"})
    assert response.status_code == 422
    body = text_of(response)
    assert "This challenge asks for a photo with each check-in." in body
    assert 'aria-invalid="true"' in body
    assert _checkins(session, enrollment) == 0


def test_a_file_that_is_not_an_image_is_refused_on_the_field(client, session, world):
    with travel(at_local(world.challenge, 0, "05:30")):
        log_in(client, world.member)
        response = post_form(
            client,
            _url(world.enrollment),
            {"photo": (io.BytesIO(b"#!/bin/sh\necho hi"), "x.jpg")},
            content_type="multipart/form-data",
        )
    assert response.status_code == 422
    assert "The photo must be a JPEG, PNG or WebP image." in text_of(response)
    assert _checkins(session, world.enrollment) == 0


def test_a_bad_number_is_a_field_error(client, session, world):
    with travel(at_local(world.challenge, 0, "05:30")):
        log_in(client, world.member)
        response = post_form(client, _url(world.enrollment), {"value": "lots"})
    assert response.status_code == 422 and "Write a number, e.g. 5 or 5.2." in text_of(response)
    assert _checkins(session, world.enrollment) == 0


def test_before_the_deposit_is_paid_the_page_asks_for_it(client, session, world):
    pending = make_enrollment(session, make_challenge(session, world.community), world.bystander)
    with travel(at_local(world.challenge, 0, "05:30")):
        log_in(client, world.bystander)
        page = text_of(client.get(_url(pending)))
    assert "Check-ins open once your deposit is paid." in page and "Pay the deposit" in page


def test_someone_elses_enrollment_is_not_found(client, session, world):
    with travel(at_local(world.challenge, 0, "05:30")):
        log_in(client, world.bystander)
        assert client.get(_url(world.enrollment)).status_code == 404
        token = csrf_token(client.get("/").data)
        assert client.post(_url(world.enrollment), data={"csrf_token": token}).status_code == 404
    assert _checkins(session, world.enrollment) == 0


def test_home_shows_today_and_the_way_to_check_in(client, session, world):
    with travel(at_local(world.challenge, 2, "05:15")):
        log_in(client, world.member)
        home = text_of(client.get("/"))
        # 07:00 in Shanghai, read by a member whose zone is UTC
        assert "Rise by seven" in home and "the window is open until 11:00\u202fPM (UTC)." in home
        assert f"/enrollments/{world.enrollment.id}/checkin" in home
        assert client.get("/checkin").headers["Location"] == _url(world.enrollment)
    with travel(at_local(world.challenge, 2, "08:00")):
        home = text_of(client.get("/"))
        assert "Next window: 9:00\u202fPM (UTC)." in home


def test_a_photo_that_does_not_decode_gets_a_translated_field_message(client, session, world):
    with travel(at_local(world.challenge, 0, "05:30")):
        log_in(client, world.member)
        client.post("/language", data={"csrf_token": csrf_token(client.get("/").data), "locale": "zh_Hans"})
        response = post_form(
            client,
            f"/enrollments/{world.enrollment.id}/checkin",
            {"photo": (io.BytesIO(b"\xff\xd8\xff\xe0" + b"\x00" * 64), "x.jpg")},
        )
    assert response.status_code == 422
    assert "无法将照片读取为图片" in text_of(response)
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 0
