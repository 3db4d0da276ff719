"""Launching challenges with every rule of SPEC.md, validation, and the money-rule freeze."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.timehelpers import travel

BEFORE_START = datetime(2026, 2, 1, 12, tzinfo=UTC)


def rules(**overrides) -> dict:
    body = {
        "title": "Rise at six",
        "timezone": "Asia/Shanghai",
        "start_date": "2026-03-02",
        "days": 21,
        "window_open": "05:00",
        "window_close": "07:00",
        "deposit_minor": 10000,
        "currency": "CNY",
        "max_misses": 2,
        "min_participants": 3,
        "fee_bps": 500,
        "split": "random",
        "review_minutes": 15,
    }
    body.update(overrides)
    return body


def launch(client, world, who="organizer", **overrides):
    with travel(BEFORE_START):
        return client.post(
            f"/api/v1/communities/{world.community.id}/challenges",
            json=rules(**overrides),
            headers=world.as_(who),
        )


def test_organizer_launches_a_challenge_with_every_field(client, world):
    response = launch(client, world, rest_days=2, requires_code_word=True, value_label="km")
    assert response.status_code == 201
    body = response.get_json()
    for name, value in rules(rest_days=2, requires_code_word=True, value_label="km").items():
        assert body[name] == value, name
    assert body["status"] == "enrolling"
    # day 0 opens at 05:00 in Shanghai (+08:00); due = close 07:00 + 15 minutes review
    assert body["day_zero_opens_at"] == "2026-03-01T21:00:00Z"
    assert body["next_due_at"] == "2026-03-01T23:15:00Z"
    assert body["counts"]["active"] == 0 and body["pot_minor"] == 0
    assert "code_word_secret" not in body


def test_co_organizer_may_launch_but_a_member_may_not(client, world):
    assert launch(client, world, who="co_organizer").status_code == 201
    refused = launch(client, world, who="owner")
    assert refused.status_code == 403
    assert refused.content_type == "application/problem+json"


def test_a_24_00_close_is_allowed(client, world):
    response = launch(client, world, window_open="20:00", window_close="24:00")
    assert response.status_code == 201
    assert response.get_json()["window_close"] == "24:00"


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"deposit_minor": 20}, {"deposit_minor"}),
        ({"window_open": "07:00", "window_close": "07:00"}, {"window_close"}),
        ({"window_open": "08:00", "window_close": "07:00"}, {"window_close"}),
        ({"window_open": "24:00", "window_close": "24:00"}, {"window_open", "window_close"}),
        ({"window_open": "25:00"}, {"window_open"}),
        ({"window_close": "7:00"}, {"window_close"}),
        ({"window_open": "06:60"}, {"window_open"}),
        ({"days": 0}, {"days"}),
        ({"days": 367}, {"days"}),
        ({"days": 2.5}, {"days"}),
        ({"fee_bps": 10001}, {"fee_bps"}),
        ({"fee_bps": -1}, {"fee_bps"}),
        ({"currency": "cny"}, {"currency"}),
        ({"timezone": "Asia/Atlantis"}, {"timezone"}),
        ({"split": "lottery"}, {"split"}),
        ({"max_misses": -1}, {"max_misses"}),
        ({"min_participants": 0}, {"min_participants"}),
        ({"rest_days": 22}, {"rest_days"}),
        ({"start_date": "2026-01-15"}, {"start_date"}),
        ({"start_date": "2026-02-30"}, {"start_date"}),
        ({"deposit_minor": "100"}, {"deposit_minor"}),
        ({"title": ""}, {"title"}),
        ({"review_minutes": 1441}, {"review_minutes"}),
    ],
)
def test_invalid_rules_are_422_naming_each_field(client, world, overrides, fields):
    response = launch(client, world, **overrides)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields


def test_missing_required_fields_are_all_reported(client, world):
    with travel(BEFORE_START):
        response = client.post(
            f"/api/v1/communities/{world.community.id}/challenges", json={}, headers=world.as_("organizer")
        )
    assert response.status_code == 422
    required = {
        "title",
        "timezone",
        "start_date",
        "days",
        "window_open",
        "window_close",
        "deposit_minor",
        "currency",
    }
    assert required <= set(response.get_json()["errors"])


def test_a_window_that_does_not_exist_on_a_dst_day_is_refused(client, world):
    """New York springs forward at 02:00 on 2026-03-08: 02:00-03:00 is empty that day."""
    response = launch(
        client,
        world,
        timezone="America/New_York",
        start_date="2026-03-06",
        days=5,
        window_open="02:00",
        window_close="03:00",
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"window_open", "window_close"}
    assert "2026-03-08" in errors["window_open"][0]


def test_a_window_that_straddles_the_gap_but_stays_open_is_accepted(client, world):
    response = launch(
        client,
        world,
        timezone="America/New_York",
        start_date="2026-03-06",
        days=5,
        window_open="01:30",
        window_close="03:30",
    )
    assert response.status_code == 201


def test_money_rules_freeze_when_day_zero_opens(client, world):
    challenge = world.challenge  # opens 2026-03-01T21:00Z, members enrolled
    url = f"/api/v1/challenges/{challenge.id}"
    with travel(datetime(2026, 3, 1, 21, 0, tzinfo=UTC)):
        frozen = client.patch(url, json={"fee_bps": 100, "max_misses": 5}, headers=world.as_("organizer"))
        assert frozen.status_code == 409
        assert set(frozen.get_json()["errors"]) == {"fee_bps", "max_misses"}
        renamed = client.patch(
            url, json={"title": "New title", "fee_bps": challenge.fee_bps}, headers=world.as_("organizer")
        )
        assert renamed.status_code == 200
        assert renamed.get_json()["title"] == "New title"


def test_schedule_may_move_before_day_zero_and_due_instants_follow(client, session, world):
    challenge = world.challenge
    # nobody has paid yet (a paid deposit freezes the schedule: tests/api/test_rule_freeze.py)
    for enrollment in (world.owner_enrollment, world.other_enrollment):
        enrollment.status = "pending_payment"
    session.commit()
    with travel(BEFORE_START):
        response = client.patch(
            f"/api/v1/challenges/{challenge.id}",
            json={"window_open": "06:00", "window_close": "08:00", "max_misses": 1},
            headers=world.as_("co_organizer"),
        )
    assert response.status_code == 200
    body = response.get_json()
    assert body["day_zero_opens_at"] == "2026-03-01T22:00:00Z"
    assert body["next_due_at"] == "2026-03-02T00:10:00Z"


def test_deposit_freezes_once_someone_has_joined(client, world):
    with travel(BEFORE_START):
        response = client.patch(
            f"/api/v1/challenges/{world.challenge.id}",
            json={"deposit_minor": 99999},
            headers=world.as_("organizer"),
        )
    assert response.status_code == 409
    assert "deposit_minor" in response.get_json()["errors"]


def test_update_validates_the_merged_rules(client, session, world):
    for enrollment in (world.owner_enrollment, world.other_enrollment):
        enrollment.status = "pending_payment"  # nobody has paid: the window may still move
    session.commit()
    with travel(BEFORE_START):
        response = client.patch(
            f"/api/v1/challenges/{world.challenge.id}",
            json={"window_close": "04:00"},
            headers=world.as_("organizer"),
        )
    assert response.status_code == 422
    assert "window_close" in response.get_json()["errors"]


def test_challenge_read_shows_counts_and_my_enrollment(client, world):
    body = client.get(f"/api/v1/challenges/{world.challenge.id}", headers=world.as_("owner")).get_json()
    assert body["counts"]["active"] == 2
    assert body["my_enrollment_id"] == world.owner_enrollment.id
    not_playing = client.get(
        f"/api/v1/challenges/{world.challenge.id}", headers=world.as_("co_organizer")
    ).get_json()
    assert not_playing["my_enrollment_id"] is None


def test_community_lists_its_challenges(client, world):
    launch(client, world)
    listed = client.get(
        f"/api/v1/communities/{world.community.id}/challenges", headers=world.as_("other")
    ).get_json()
    assert listed["total"] == 2
