"""The health figures of tests/health/scenario.py against the values worked out by hand from
SPEC's definitions, read through the API as its organizer."""

from __future__ import annotations

from datetime import date

import pytest

from habits.services.community_health import refresh
from tests.api.helpers import auth_headers
from tests.health import scenario
from tests.timehelpers import travel


@pytest.fixture
def health(session, client):
    world = scenario.build(session)
    now = scenario.at(2, "12:00", month=4)
    with travel(now):
        refresh.refresh_community(session, world.community, now=now)
        session.commit()
        headers = auth_headers(session, world.org)
        response = client.get(
            f"/api/v1/communities/{world.community.id}/health?from=2026-03-01&to=2026-04-01", headers=headers
        )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return world, body, {row["date"]: row for row in body["days"]}


def test_members_count_memberships_active_at_the_end_of_each_date(health):
    _, _, days = health
    # Org, Ann, Bo; + Cy (Pat waits for approval: never counted); + Di; Di left on 03-05
    expected = {
        "2026-03-01": 3,
        "2026-03-02": 4,
        "2026-03-03": 5,
        "2026-03-04": 5,
        "2026-03-05": 4,
        "2026-03-20": 4,
    }
    assert {day: days[day]["members"] for day in expected} == expected


def test_active_share_counts_valid_checkins_by_their_local_date(health):
    _, _, days = health
    expected = {
        "2026-03-01": (0, 0 / 3),
        "2026-03-02": (1, 1 / 4),  # Ann; Bo's check-in was voided
        "2026-03-03": (2, 2 / 5),  # Ann, Cy
        "2026-03-04": (2, 2 / 5),  # Bo (stamped 03-03 22:00 UTC, 03-04 in Shanghai), Di
        "2026-03-05": (0, 0.0),
        "2026-03-06": (0, 0.0),  # Di checked in after leaving: not a member that date
        "2026-03-08": (1, 1 / 4),
        "2026-03-28": (1, 1 / 4),
    }
    assert {day: days[day]["active"] for day in expected} == {
        day: active for day, (active, _) in expected.items()
    }
    assert {day: days[day]["active_share"] for day in expected} == pytest.approx(
        {day: share for day, (_, share) in expected.items()}
    )


def test_survival_at_7_and_30_days(health):
    _, _, days = health
    # 7 days: nobody joined 7 days before 03-07; the 03-01 cohort (Org, Ann, Bo) counts from 03-08
    # with check-ins 03-02..03-08 (Ann and Bo); Cy (joined 03-02) from 03-09, checked in 03-09;
    # Di (03-03) from 03-10, checked in 03-04 (leaving since does not undo it)
    assert [
        days[d]["survival_7"] for d in ("2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10", "2026-03-20")
    ] == (pytest.approx([None, 2 / 3, 3 / 4, 4 / 5, 4 / 5]))
    # 30 days: the 03-01 cohort from 03-31 with check-ins 03-25..03-31 (Ann on 03-28); Cy's from
    # 04-01 with none in 03-26..04-01
    assert days["2026-03-30"]["survival_30"] is None
    assert days["2026-03-31"]["survival_30"] == pytest.approx(1 / 3)
    assert days["2026-04-01"]["survival_30"] == pytest.approx(1 / 4)


def test_checkin_rate_elimination_curve_pot_and_payouts(health):
    world, body, _ = health
    short = next(c for c in body["challenges"] if c["id"] == world.short_id)
    # rate: winners over winners + rest days + misses (eliminations among them) + quitters
    assert [(d["day_index"], d["checkin_rate"], d["eliminated_so_far"]) for d in short["settled_days"]] == [
        (0, pytest.approx(3 / 5), 1),
        (1, pytest.approx(2 / 4), 2),  # the quitter settled on day 1 counts as eliminated
        (2, None, 2),  # excused: no rate
    ]
    assert [d["took_part"] for d in short["settled_days"]] == [5, 4, 3]
    assert (short["forfeited_minor"], short["fee_minor"], short["paid_out_minor"], short["pot_minor"]) == (
        5000,
        500,
        4500,
        0,
    )


def test_retention_by_join_week(health):
    _, body, _ = health
    rows = {row["week"]: row for row in body["cohorts"]}
    # 03-01 is a Sunday: Org, Ann, Bo joined in the week of 02-23; Cy and Di in the week of 03-02
    assert rows["2026-02-23"]["size"] == 3
    # weeks of 02-23 (none), 03-02 (Ann, Bo), 03-09, 03-16 (none), 03-23 (Ann on 03-28)
    assert rows["2026-02-23"]["retention"][:5] == pytest.approx([0.0, 2 / 3, 0.0, 0.0, 1 / 3])
    assert rows["2026-03-02"]["size"] == 2
    # weeks of 03-02 (Cy, Di), 03-09 (Cy), then nobody
    assert rows["2026-03-02"]["retention"][:4] == pytest.approx([1.0, 1 / 2, 0.0, 0.0])


def test_the_period_defaults_and_refuses_bad_input(session, client):
    world = scenario.build(session)
    headers = auth_headers(session, world.org)
    base = f"/api/v1/communities/{world.community.id}/health"
    backwards = client.get(f"{base}?from=2026-03-10&to=2026-03-01", headers=headers)
    assert backwards.status_code == 422
    assert "from" in backwards.get_json()["errors"]
    assert client.get(f"{base}?from=2020-01-01&to=2026-03-01", headers=headers).status_code == 422
    assert client.get(f"{base}?from=yesterday", headers=headers).status_code == 422
    assert client.get(base, headers=headers).status_code == 200


def test_a_refresh_again_changes_nothing_and_counts_a_late_void(session):
    world = scenario.build(session)
    now = scenario.at(10, "12:00")
    first = refresh.refresh_community(session, world.community, now=now)
    assert first[0] == date(2026, 3, 1) and first[-1] == date(2026, 3, 10)
    again = refresh.refresh_community(session, world.community, now=now, refreshed_through=date(2026, 3, 10))
    assert again == [date(2026, 3, d) for d in range(7, 11)]  # the trailing days only
