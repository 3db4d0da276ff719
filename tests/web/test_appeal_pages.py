"""Appeals on the pages: a voided check-in reads as voided (why, by whom) on the member's home,
check-in and enrollment pages, never as done, with the form to appeal right there; bad input
comes back on the same page with the field marked, what was typed kept, the panel in view and the
field focused; the organizer's review lists waiting requests and decides them.

The web world (tests/web/conftest.py): Mei plays "Rise by seven" (05:00-07:00 Asia/Shanghai from
2026-03-02, review 10 minutes); Olivia organizes it and does not play. Mei checked in on day 1 at
05:10 and Olivia voided it at 05:30.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from habits.models import AppealRequest, AppealStatus, CheckIn
from habits.services import appeals
from habits.services.checkins import void_check_in
from tests import images
from tests.factories import at_local, make_checkin
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, log_in, text_of


@pytest.fixture
def voided(session, world):
    checkin = make_checkin(session, world.enrollment, 1, at=at_local(world.challenge, 1, "05:10"))
    void_check_in(
        session,
        checkin,
        world.organizer,
        reason="that photo is from yesterday",
        now=at_local(world.challenge, 1, "05:30"),
    )
    session.commit()
    return checkin


def pages_of(client, world) -> dict[str, str]:
    return {
        "home": text_of(client.get("/")),
        "checkin": text_of(client.get(f"/enrollments/{world.enrollment.id}/checkin")),
        "enrollment": text_of(client.get(f"/enrollments/{world.enrollment.id}")),
    }


def ask(client, world, back: str, data: dict, *, day: int = 1, **kwargs):
    """Post the appeal form of ``day`` as the page ``back`` holds it (its CSRF token, its prefix)."""
    prefix = f"ask-{world.enrollment.id}-{day}"
    page = {
        "home": "/",
        "checkin": f"/enrollments/{world.enrollment.id}/checkin",
        "enrollment": f"/enrollments/{world.enrollment.id}",
    }
    token = csrf_token(client.get(page[back]).data)
    body = {
        f"{prefix}-csrf_token": token,
        f"{prefix}-back": back,
        **{f"{prefix}-{k}": v for k, v in data.items()},
    }
    return client.post(f"/enrollments/{world.enrollment.id}/days/{day}/appeal", data=body, **kwargs)


def decide(client, world, appeal_id: int, data: dict):
    prefix = f"appeal-{appeal_id}"
    token = csrf_token(client.get(f"/challenges/{world.challenge.id}/organize").data)
    body = {f"{prefix}-csrf_token": token, **{f"{prefix}-{k}": v for k, v in data.items()}}
    return client.post(f"/appeals/{appeal_id}/decision", data=body)


def test_a_voided_check_in_reads_as_voided_with_the_form_on_every_member_page(client, world, voided):
    with travel(at_local(world.challenge, 1, "06:00")):
        log_in(client, world.member)
        pages = pages_of(client, world)
    for name, page in pages.items():
        assert "Day 2: your check-in was voided" in page, name
        assert "Olivia Organizer voided it at" in page and "“that photo is from yesterday”" in page, name
        assert "your stake of CN¥10.00 for this day goes to the pot" in page, name
        assert (
            "Ask for an appeal" in page
            and f'action="/enrollments/{world.enrollment.id}/days/1/appeal"' in page
        ), name
    assert "✓ Checked in" not in pages["home"] and 'class="card done"' not in pages["home"]
    assert (
        "You are checked in for today" not in pages["checkin"]
        and "comes back to your wallet" not in pages["checkin"]
    )
    assert "Checked in today" not in pages["enrollment"]


def test_a_forgotten_tap_may_be_appealed_once_the_window_has_closed(client, world):
    with travel(at_local(world.challenge, 1, "06:00")):
        log_in(client, world.member)
        during = pages_of(client, world)
    with travel(at_local(world.challenge, 1, "07:05")):
        after = pages_of(client, world)
    assert all("Ask for an appeal" not in page for page in during.values())  # checking in is the way
    for name, page in after.items():
        assert "Day 2: no check-in" in page and "Ask for an appeal" in page, name


@pytest.mark.parametrize("back", ["home", "checkin", "enrollment"])
def test_a_blank_reason_comes_back_on_the_same_page_marked_in_view_and_focused(client, world, voided, back):
    with travel(at_local(world.challenge, 1, "06:00")):
        log_in(client, world.member)
        response = ask(client, world, back, {"reason": "   "})
    page = text_of(response)
    field_id = f"ask-{world.enrollment.id}-1-reason"
    assert response.status_code == 422
    assert f'id="{field_id}-error">This field is required.' in page
    textarea = re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in textarea and "autofocus" in textarea
    assert f'action="/enrollments/{world.enrollment.id}/days/1/appeal"' in page
    # the page it came from, whole
    landmark = {
        "home": "<h1>Today</h1>",
        "checkin": "<h1>Day 2 of 7</h1>",
        "enrollment": "<h1>My enrollment</h1>",
    }
    assert landmark[back] in page


def test_a_reason_too_long_or_a_photo_that_is_not_one_keeps_what_was_typed(client, world, voided):
    long_reason = "I was up at five. " * 30  # 540 characters
    with travel(at_local(world.challenge, 1, "06:00")):
        log_in(client, world.member)
        too_long = ask(client, world, "enrollment", {"reason": long_reason})
        not_a_photo = ask(
            client,
            world,
            "checkin",
            {"reason": "see the clock", "photo": (io.BytesIO(b"<html>not a photo"), "clock.png")},
            content_type="multipart/form-data",
        )
    assert too_long.status_code == 422
    assert "At most 500 characters." in text_of(too_long) and long_reason.strip() in text_of(too_long)
    page = text_of(not_a_photo)
    assert not_a_photo.status_code == 422
    assert "The photo must be a JPEG, PNG or WebP image." in page and "see the clock</textarea>" in page
    assert re.search(rf'<input[^>]*autofocus[^>]*id="ask-{world.enrollment.id}-1-photo"', page) or re.search(
        rf'<input[^>]*id="ask-{world.enrollment.id}-1-photo"[^>]*autofocus', page
    )


def test_asking_sends_it_and_the_pages_say_it_waits(client, session, world, voided):
    with travel(at_local(world.challenge, 1, "06:00")):
        log_in(client, world.member)
        response = ask(
            client,
            world,
            "home",
            {"reason": "The photo is from this morning", "photo": (io.BytesIO(images.png()), "sunrise.png")},
            content_type="multipart/form-data",
        )
        assert (
            response.status_code == 302
            and response.headers["Location"] == f"/#appeal-{world.enrollment.id}-1"
        )
        pages = pages_of(client, world)
        again = ask(client, world, "home", {"reason": "again"})
    appeal = session.scalars(select(AppealRequest)).one()
    assert appeal.status == AppealStatus.PENDING and appeal.photo_path is not None
    for name, page in pages.items():
        assert "Appeal sent" in page and "“The photo is from this morning”" in page, name
        assert "Ask for an appeal" not in page, name
    assert again.status_code == 302
    assert session.scalar(select(AppealRequest.id).where(AppealRequest.id != appeal.id)) is None


def test_the_organizer_reviews_and_a_blank_reason_stays_in_place(client, session, world, voided):
    appeal = appeals.ask_appeal(
        session,
        world.enrollment.id,
        member=world.member,
        day_index=1,
        reason="I was up",
        now=at_local(world.challenge, 1, "06:00"),
    )
    session.commit()
    with travel(at_local(world.challenge, 1, "06:30")):
        log_in(client, world.organizer)
        dashboard = text_of(client.get(f"/challenges/{world.challenge.id}/organize"))
        blank = decide(client, world, appeal.id, {"reason": "  ", "decision": "accept"})
        no_button = decide(client, world, appeal.id, {"reason": "kept words"})
    assert "Appeal requests" in dashboard and "Mei Member" in dashboard and "“I was up”" in dashboard
    assert "Check-in voided: that photo is from yesterday" in dashboard
    assert f'<li id="appeal-request-{appeal.id}">' in dashboard
    assert f'action="/appeals/{appeal.id}/decision"' in dashboard
    page = text_of(blank)
    assert blank.status_code == 422
    assert f'id="appeal-{appeal.id}-reason-error">This field is required.' in page
    assert re.search(rf'<textarea[^>]*autofocus[^>]*id="appeal-{appeal.id}-reason"', page) or re.search(
        rf'<textarea[^>]*id="appeal-{appeal.id}-reason"[^>]*autofocus', page
    )
    assert no_button.status_code == 422 and "Press Accept or Refuse." in text_of(no_button)
    assert "kept words</textarea>" in text_of(no_button)
    session.refresh(appeal)
    assert appeal.status == AppealStatus.PENDING


def test_accepting_turns_the_members_pages_green(client, session, world, voided):
    appeal = appeals.ask_appeal(
        session,
        world.enrollment.id,
        member=world.member,
        day_index=1,
        reason="I was up",
        now=at_local(world.challenge, 1, "06:00"),
    )
    session.commit()
    with travel(at_local(world.challenge, 1, "06:30")):
        log_in(client, world.organizer)
        accepted = decide(
            client, world, appeal.id, {"reason": "same sunrise as everyone", "decision": "accept"}
        )
        flashed = text_of(client.get(accepted.headers["Location"]))
        member = client.application.test_client()
        log_in(member, world.member)
        pages = pages_of(member, world)
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("#appeal-requests")
    assert "Appeal accepted: the check-in for day 2 is recorded." in flashed
    checkin = session.scalars(select(CheckIn).where(CheckIn.id == voided.id)).one()
    session.refresh(checkin)
    assert checkin.voided_at is None
    assert (
        "You are checked in for today" in pages["checkin"] and "comes back to your wallet" in pages["checkin"]
    )
    assert "✓ Checked in" in pages["home"] and "Checked in today" in pages["enrollment"]
    for page in pages.values():
        assert "Appeal accepted" in page and "“same sunrise as everyone”" in page


def test_refusing_tells_the_member_and_the_participants(client, session, world, voided):
    appeal = appeals.ask_appeal(
        session,
        world.enrollment.id,
        member=world.member,
        day_index=1,
        reason="I was up",
        now=at_local(world.challenge, 1, "06:00"),
    )
    session.commit()
    with travel(at_local(world.challenge, 1, "06:30")):
        log_in(client, world.organizer)
        refused = decide(
            client,
            world,
            appeal.id,
            {"reason": "the newspaper in the photo is from Monday", "decision": "refuse"},
        )
        member = client.application.test_client()
        log_in(member, world.member)
        world.member.locale = "zh_Hans"
        session.commit()
        chinese = pages_of(member, world)["checkin"]
        log = text_of(member.get(f"/challenges/{world.challenge.id}/referee-log"))
    assert refused.status_code == 302
    assert "申诉被驳回" in chinese and "“the newspaper in the photo is from Monday”" in chinese
    assert "请求申诉" in chinese  # a refused request may be followed by another
    assert "申诉被驳回" in log and "the newspaper in the photo is from Monday" in log


def test_the_member_may_not_decide_and_bystanders_do_not_see(client, session, world, voided, photo_storage):
    photo = io.BytesIO(images.png())
    with travel(at_local(world.challenge, 1, "06:00")):
        log_in(client, world.member)
        ask(
            client,
            world,
            "home",
            {"reason": "r", "photo": (photo, "p.png")},
            content_type="multipart/form-data",
        )
    appeal = session.scalars(select(AppealRequest)).one()
    with travel(at_local(world.challenge, 1, "06:30")):
        own_decision = client.post(
            f"/appeals/{appeal.id}/decision", data={"csrf_token": csrf_token(client.get("/").data)}
        )
        own_photo = client.get(f"/appeals/{appeal.id}/photo")
        bystander = client.application.test_client()
        log_in(bystander, world.bystander)
        their_photo = bystander.get(f"/appeals/{appeal.id}/photo")
        their_decision = bystander.post(
            f"/appeals/{appeal.id}/decision", data={"csrf_token": csrf_token(bystander.get("/").data)}
        )
        organizer = client.application.test_client()
        log_in(organizer, world.organizer)
        organizers_photo = organizer.get(f"/appeals/{appeal.id}/photo")
    assert own_decision.status_code == 403 and their_decision.status_code == 404
    assert (own_photo.status_code, organizers_photo.status_code, their_photo.status_code) == (200, 200, 404)
    assert own_photo.mimetype == "image/png"
