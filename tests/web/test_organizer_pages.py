"""Organizer pages: who may open them, launching with field errors, voiding, excusing, appeals."""

from __future__ import annotations

from sqlalchemy import func, select

from habits.models import Challenge, CheckIn, Community, ExcusedDay
from tests.factories import at_local, make_checkin
from tests.timehelpers import travel
from tests.web.helpers import confirm, csrf_token, log_in, post_form, text_of

GOOD_RULES = {
    "title": "Run before work",
    "description": "Three kilometres.",
    "timezone": "Asia/Shanghai",
    "start_date": "2026-04-06",
    "days": "10",
    "window_open": "05:00",
    "window_close": "08:00",
    "currency": "CNY",
    "deposit": "100",
    "max_misses": "1",
    "min_participants": "2",
    "fee_percent": "2.5",
    "split": "equal",
    "review_minutes": "10",
    "rest_days": "1",
    "value_label": "km",
}


def _challenges(session) -> int:
    return session.scalar(select(func.count()).select_from(Challenge))


def test_dashboard_is_not_found_for_anyone_but_organizers(client, session, world):
    url = f"/challenges/{world.challenge.id}/organize"
    with travel(at_local(world.challenge, 1, "06:00")):
        log_in(client, world.outsider)
        assert client.get(url).status_code == 404
        other = client.application.test_client()
        log_in(other, world.member)
        assert other.get(url).status_code == 404  # SPEC: community health is for organizers only
        assert other.get(f"/communities/{world.community.id}/challenges/new").status_code == 403
        organizer = client.application.test_client()
        log_in(organizer, world.organizer)
        page = organizer.get(url)
    assert page.status_code == 200 and "Organizer dashboard" in text_of(page)


def test_anonymous_visitors_are_sent_to_log_in(client, session, world):
    response = client.get(f"/challenges/{world.challenge.id}/organize")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_organizer_voids_a_check_in_with_a_reason(client, session, world):
    checkin = make_checkin(session, world.enrollment, 1, at=at_local(world.challenge, 1, "05:20"))
    with travel(at_local(world.challenge, 1, "06:30")):
        log_in(client, world.organizer)
        dashboard = client.get(f"/challenges/{world.challenge.id}/organize")
        assert "Mei Member" in text_of(dashboard) and f"void-reason-{checkin.id}" in text_of(dashboard)
        response = client.post(
            f"/checkins/{checkin.id}/void",
            data={"csrf_token": csrf_token(dashboard.data), "reason": "photo is from yesterday"},
        )
        assert response.status_code == 302
        after = text_of(client.get(response.headers["Location"]))
    session.refresh(checkin)
    assert checkin.voided_at is not None and checkin.void_reason == "photo is from yesterday"
    assert "Check-in voided: it counts as a miss." in after


def test_voiding_needs_a_reason(client, session, world):
    checkin = make_checkin(session, world.enrollment, 1, at=at_local(world.challenge, 1, "05:20"))
    with travel(at_local(world.challenge, 1, "06:30")):
        log_in(client, world.organizer)
        response = post_form(
            client,
            f"/checkins/{checkin.id}/void",
            {"reason": ""},
            form_page=f"/challenges/{world.challenge.id}/organize",
        )
    assert response.status_code == 422 and "This field is required." in text_of(response)
    session.refresh(checkin)
    assert checkin.voided_at is None


def test_a_member_cannot_void(client, session, world):
    checkin = make_checkin(session, world.enrollment, 1, at=at_local(world.challenge, 1, "05:20"))
    with travel(at_local(world.challenge, 1, "06:30")):
        log_in(client, world.bystander)
        token = csrf_token(client.get("/").data)
        response = client.post(f"/checkins/{checkin.id}/void", data={"csrf_token": token, "reason": "spite"})
    assert response.status_code == 403
    session.refresh(checkin)
    assert checkin.voided_at is None


def test_voiding_after_the_day_is_due_is_refused_politely(client, session, world):
    checkin = make_checkin(session, world.enrollment, 0, at=at_local(world.challenge, 0, "05:20"))
    with travel(at_local(world.challenge, 1, "06:30")):
        log_in(client, world.organizer)
        response = post_form(
            client,
            f"/checkins/{checkin.id}/void",
            {"reason": "late"},
            form_page=f"/challenges/{world.challenge.id}/organize",
        )
        assert response.status_code == 302
        page = text_of(client.get(response.headers["Location"]))
    assert "already due for settlement" in page
    session.refresh(checkin)
    assert checkin.voided_at is None


def test_excuse_a_day_and_accept_an_appeal(client, session, world):
    with travel(at_local(world.challenge, 2, "06:00")):
        log_in(client, world.organizer)
        url = f"/challenges/{world.challenge.id}/organize"
        page = client.get(url)
        token = csrf_token(page.data)
        response = client.post(
            f"/challenges/{world.challenge.id}/excuse",
            data={"csrf_token": token, "excuse-day": "3", "excuse-reason": "typhoon warning"},
        )
        assert response.status_code == 302
        response = client.post(
            f"/challenges/{world.challenge.id}/appeals",
            data={
                "csrf_token": token,
                "appeal-enrollment_id": str(world.enrollment.id),
                "appeal-day": "2",
                "appeal-reason": "phone died, sent a photo by mail",
            },
        )
        assert response.status_code == 302
        after = text_of(client.get(url))
    assert "Day 4 is excused" in after and "Appeal accepted" in after
    excused = session.scalar(select(ExcusedDay).where(ExcusedDay.challenge_id == world.challenge.id))
    assert excused.day_index == 3 and excused.reason == "typhoon warning"
    appeal = session.scalar(select(CheckIn).where(CheckIn.enrollment_id == world.enrollment.id))
    assert appeal.day_index == 2 and appeal.appeal_reason == "phone died, sent a photo by mail"


def test_launching_a_challenge(client, session, world):
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        url = f"/communities/{world.community.id}/challenges/new"
        asked = post_form(client, url, GOOD_RULES)
        assert "Launch “Run before work”?" in text_of(asked)
        response = confirm(client, url, asked)
    assert response.status_code == 302, text_of(response)
    challenge = session.scalar(select(Challenge).where(Challenge.title == "Run before work"))
    assert challenge.deposit_minor == 10000 and challenge.fee_bps == 250 and challenge.days == 10
    assert (challenge.open_minute, challenge.close_minute) == (300, 480) and challenge.rest_days == 1


def test_every_rule_gets_its_own_field_error_and_nothing_is_stored(client, session, world):
    before = _challenges(session)
    bad = {
        **GOOD_RULES,
        "title": "",
        "timezone": "Moon/Base",
        "start_date": "someday",
        "days": "0",
        "window_open": "7:5",
        "window_close": "25:00",
        "deposit": "0.001",
        "max_misses": "-1",
        "min_participants": "0",
        "fee_percent": "150",
        "review_minutes": "x",
        "rest_days": "-2",
    }
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        response = post_form(client, f"/communities/{world.community.id}/challenges/new", bad)
    page = text_of(response)
    assert response.status_code == 422
    for message in (
        "This field is required.",
        "Choose a time zone from the list",
        "Write a date as YYYY-MM-DD.",
        "A whole number from 1 to 366.",
        "Write a time as HH:MM",
        "CNY amounts have at most 2 decimals.",
        "A whole number from 0 to 366.",
        "A whole number from 1 to 1000000.",
        "A percentage from 0 to 100",
        "Write a whole number, e.g. 7.",
    ):
        assert message in page, message
    assert page.count('aria-invalid="true"') >= 11
    assert _challenges(session) == before


def test_rules_that_do_not_hold_together_are_shown_on_their_fields(client, session, world):
    before = _challenges(session)
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        closes_first = {**GOOD_RULES, "window_open": "08:00", "window_close": "06:00", "rest_days": "11"}
        response = post_form(client, f"/communities/{world.community.id}/challenges/new", closes_first)
        assert "The window must close after it opens" in text_of(response)
        assert "There cannot be more rest days than days." in text_of(response)
        in_the_past = {**GOOD_RULES, "start_date": "2026-03-01"}
        response = post_form(client, f"/communities/{world.community.id}/challenges/new", in_the_past)
        assert "Day 1&#39;s window has already opened" in text_of(response)
        dst_gap = {
            **GOOD_RULES,
            "timezone": "America/New_York",
            "start_date": "2026-03-07",
            "window_open": "02:30",
            "window_close": "03:10",
        }
        response = post_form(client, f"/communities/{world.community.id}/challenges/new", dst_gap)
        assert "daylight-saving" in text_of(response)
    assert _challenges(session) == before


def test_any_member_can_start_a_community(client, session, world):
    log_in(client, world.bystander)
    response = post_form(
        client,
        "/communities/new",
        {"name": "Night owls", "theme": "custom", "invite_only": "y", "form_questions": "City?\n\nGoal?\n"},
    )
    assert response.status_code == 302
    community = session.scalar(select(Community).where(Community.name == "Night owls"))
    assert community.organizer_id == world.bystander.id
    assert [f["label"] for f in community.entry_form] == ["City?", "Goal?"] and len(
        community.invite_code
    ) == 10
    assert client.get(f"/communities/{community.id}/challenges/new").status_code == 200


def test_an_excuse_or_appeal_without_a_reason_shows_the_dashboard_again(client, session, world):
    make_checkin(session, world.enrollment, 2, at=at_local(world.challenge, 2, "05:20"))
    with travel(at_local(world.challenge, 2, "06:00")):
        log_in(client, world.organizer)
        url = f"/challenges/{world.challenge.id}/organize"
        token = csrf_token(client.get(url).data)
        excuse = client.post(
            f"/challenges/{world.challenge.id}/excuse",
            data={"csrf_token": token, "excuse-day": "3", "excuse-reason": ""},
        )
        appeal = client.post(
            f"/challenges/{world.challenge.id}/appeals",
            data={
                "csrf_token": token,
                "appeal-enrollment_id": str(world.enrollment.id),
                "appeal-day": "2",
                "appeal-reason": "",
            },
        )
    for response in (excuse, appeal):
        page = text_of(response)
        assert response.status_code == 422 and "This field is required." in page
        # the whole dashboard is there again: figures, the review list, the forms' choices
        assert "Organizer dashboard" in page and "Mei Member" in page and "Day 3" in page
    assert session.scalar(select(func.count()).select_from(ExcusedDay)) == 0
