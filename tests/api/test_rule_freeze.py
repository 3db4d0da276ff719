"""SPEC "Money rules freeze", through PATCH /api/v1/challenges/{id}: the deposit, currency, days
and time zone from the first enrollment; every other rule that decides where money goes from the
first paid deposit (409 ``challenge_rules_frozen``, naming each field with its code's message);
titles and descriptions always. The world's challenge starts 2026-03-02 (Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.timehelpers import travel

BEFORE_START = datetime(2026, 2, 1, 12, tzinfo=UTC)
JOINED = "Frozen since the first member joined."
PAID = "Frozen since the first deposit was paid."

#: one change per rule frozen from the first paid deposit (the window moves as a pair)
PAID_RULE_CHANGES = [
    pytest.param({"start_date": "2026-03-09"}, id="start_date"),
    pytest.param({"window_open": "06:00", "window_close": "08:00"}, id="window"),
    pytest.param({"max_misses": 5}, id="max_misses"),
    pytest.param({"min_participants": 5}, id="min_participants"),
    pytest.param({"fee_bps": 10_000}, id="fee_bps"),
    pytest.param({"split": "random"}, id="split"),
    pytest.param({"review_minutes": 120}, id="review_minutes"),
    pytest.param({"rest_days": 3}, id="rest_days"),
    pytest.param({"outage_minutes": 60}, id="outage_minutes"),
    pytest.param({"requires_photo": True}, id="requires_photo"),
    pytest.param({"requires_code_word": True}, id="requires_code_word"),
]
#: one change per rule frozen from the first enrollment
DEPOSIT_RULE_CHANGES = [
    pytest.param({"deposit_minor": 9000}, id="deposit_minor"),
    pytest.param({"currency": "USD"}, id="currency"),
    pytest.param({"days": 14}, id="days"),
    pytest.param({"timezone": "Asia/Tokyo"}, id="timezone"),
]


def set_statuses(session, world, *statuses):
    for enrollment, status in zip((world.owner_enrollment, world.other_enrollment), statuses, strict=True):
        enrollment.status = status
    session.commit()


def patch(client, world, changes, who="organizer"):
    with travel(BEFORE_START):
        return client.patch(f"/api/v1/challenges/{world.challenge.id}", json=changes, headers=world.as_(who))


@pytest.mark.parametrize("changes", PAID_RULE_CHANGES)
def test_a_rule_may_change_until_the_first_deposit_is_paid(client, session, world, changes):
    set_statuses(session, world, "pending_payment", "pending_payment")  # joined, nobody paid
    response = patch(client, world, changes)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {name: body[name] for name in changes} == changes


@pytest.mark.parametrize("changes", PAID_RULE_CHANGES)
def test_a_rule_is_frozen_from_the_first_paid_deposit(client, session, world, changes):
    set_statuses(session, world, "active", "pending_payment")  # one deposit paid
    before = client.get(f"/api/v1/challenges/{world.challenge.id}", headers=world.as_("owner")).get_json()
    response = patch(client, world, changes, who="co_organizer")
    body = response.get_json()
    assert response.status_code == 409 and response.content_type == "application/problem+json"
    assert body["code"] == "challenge_rules_frozen"
    assert body["errors"] == {name: [PAID] for name in changes}
    assert all(name in body["detail"] for name in changes)
    after = client.get(f"/api/v1/challenges/{world.challenge.id}", headers=world.as_("owner")).get_json()
    assert after == before


@pytest.mark.parametrize("changes", DEPOSIT_RULE_CHANGES)
def test_a_deposit_rule_may_change_until_the_first_member_joins(client, session, world, changes):
    set_statuses(session, world, "cancelled", "withdrawn")  # nobody holds or owes a deposit
    response = patch(client, world, changes)
    assert response.status_code == 200, response.get_json()
    assert {name: response.get_json()[name] for name in changes} == changes


@pytest.mark.parametrize("changes", DEPOSIT_RULE_CHANGES)
def test_a_deposit_rule_is_frozen_from_the_first_enrollment(client, session, world, changes):
    set_statuses(session, world, "pending_payment", "cancelled")  # a payment request may exist
    response = patch(client, world, changes)
    assert response.status_code == 409
    assert response.get_json()["code"] == "challenge_rules_frozen"
    assert response.get_json()["errors"] == {name: [JOINED] for name in changes}


def test_one_refusal_names_every_frozen_field_with_its_reason(client, session, world):
    set_statuses(session, world, "active", "active")
    response = patch(client, world, {"days": 14, "fee_bps": 9000, "title": "Greedy"})
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"days": [JOINED], "fee_bps": [PAID]}
    after = client.get(f"/api/v1/challenges/{world.challenge.id}", headers=world.as_("owner")).get_json()
    assert (after["title"], after["days"]) == (world.challenge.title, 7)  # all or nothing


def test_titles_and_descriptions_stay_editable_and_unchanged_rules_pass(client, session, world):
    set_statuses(session, world, "active", "active")
    response = patch(
        client,
        world,
        {"title": "Rise at six", "description": "Now with coffee.", "fee_bps": world.challenge.fee_bps},
    )
    assert response.status_code == 200
    assert (response.get_json()["title"], response.get_json()["description"]) == (
        "Rise at six",
        "Now with coffee.",
    )


def test_a_paid_member_who_left_before_day_zero_binds_nobody(client, session, world):
    """The choice made here: the freeze counts deposits still at stake, as the deposit's freeze
    always has (a member who quit before day 0 got the whole deposit back)."""
    set_statuses(session, world, "withdrawn", "cancelled")
    assert patch(client, world, {"fee_bps": 100, "days": 10}).status_code == 200
