"""Community health per squad, on tests/health/scenario.py's community with two squads in its
60-day challenge (from 03-02), against values worked out by hand (docs/community-health.md,
"Squads"):

- squad 1: Ann and Bo; Bo is eliminated on day 3 (03-05): he takes part up to it, not from 03-06;
- squad 2: Cy and Di; Di's quitting is settled on day 3; Di joined the community 03-03 and left
  it 03-05 15:00 (members(d) needs a membership active at the end of d);
- both squads made at day 0 (03-02 05:00); the challenge's days 0-4 are settled, day 2 excused.

Check-in day indexes are the scenario's (the UTC date after 03-01): Ann 0, 1, 6, 26; Bo 0
(voided), 2; Cy 1, 7; Di 2, 4 (after quitting: not counted).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from habits import scheduler
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import (
    Challenge,
    DaySettlement,
    DaySettlementStatus,
    Enrollment,
    HealthAlert,
    Notification,
    OutboxMail,
    Split,
    Squad,
    SquadMember,
)
from habits.services.community_health import refresh
from tests.api.helpers import auth_headers
from tests.factories import make_challenge, make_community, make_member
from tests.health import scenario
from tests.timehelpers import travel
from tests.web.helpers import log_in


def add_squads(session, world: scenario.Scenario) -> tuple[int, int]:
    challenge = session.scalar(
        select(Challenge).where(Challenge.community_id == world.community.id, Challenge.days == 60)
    )
    rows = session.scalars(select(Enrollment).where(Enrollment.challenge_id == challenge.id))
    enrollments = {e.member_id: e for e in rows}
    squads = []
    for number, people in ((1, (world.ann, world.bo)), (2, (world.cy, world.di))):
        squad = Squad(challenge_id=challenge.id, number=number, created_at=scenario.at(2, "05:00"))
        session.add(squad)
        session.flush()
        for person in people:
            placed = enrollments[person.id].id
            session.add(SquadMember(challenge_id=challenge.id, enrollment_id=placed, squad_id=squad.id))
        squads.append(squad.id)
    bo, di = enrollments[world.bo.id], enrollments[world.di.id]
    bo.status, bo.ended_day_index = EnrollmentStatus.ELIMINATED, 3
    di.status, di.ended_day_index = EnrollmentStatus.WITHDRAWN, 3
    for k in range(5):
        excused = k == 2
        session.add(
            DaySettlement(
                challenge_id=challenge.id, day_index=k,
                status=DaySettlementStatus.EXCUSED if excused else DaySettlementStatus.SETTLED,
                currency="CNY", stake_minor=100, carried_in_minor=0, forfeited_minor=0, pot_minor=0,
                fee_minor=0, split_minor=0, carried_minor=0, split=Split.EQUAL, winners=0, rest_days=0,
                misses=0, eliminated=0, withdrawn=0, settled_at=scenario.at(3 + k, "08:00"),
            )
        )  # fmt: skip
    session.commit()
    return squads[0], squads[1]


def get_health(client, session, world, query: str, member=None):
    now = scenario.at(2, "12:00", month=4)
    with travel(now):
        headers = auth_headers(session, member or world.org)
        return client.get(f"/api/v1/communities/{world.community.id}/health?{query}", headers=headers)


@pytest.fixture
def squad_world(session):
    world = scenario.build(session)
    first, second = add_squads(session, world)
    now = scenario.at(2, "12:00", month=4)
    with travel(now):
        refresh.refresh_community(session, world.community, now=now)
        session.commit()
    return world, first, second


def by_date(body) -> dict[str, tuple[int, int]]:
    return {row["date"]: (row["members"], row["active"]) for row in body["days"]}


def test_a_squads_dates_count_its_enrollments_that_take_part_and_are_members(client, session, squad_world):
    world, first, second = squad_world
    one = get_health(client, session, world, f"squad={first}&from=2026-03-01&to=2026-03-10")
    assert one.status_code == 200, one.get_json()
    body = one.get_json()
    assert body["squad"]["id"] == first and body["squad"]["number"] == 1
    assert [s["number"] for s in body["squads"]] == [1, 2]
    # nothing before the squad (and its challenge) began; Bo counts until day 3 (03-05) ends
    assert by_date(body) == {
        "2026-03-02": (2, 1),  # Ann; Bo's check-in was voided
        "2026-03-03": (2, 1),  # Ann
        "2026-03-04": (2, 1),  # Bo (03-04 in Shanghai)
        "2026-03-05": (2, 0),
        "2026-03-06": (1, 0),  # Bo eliminated on day 3
        "2026-03-07": (1, 0),
        "2026-03-08": (1, 1),  # Ann
        "2026-03-09": (1, 0),
        "2026-03-10": (1, 0),
    }
    assert {row["active_share"] for row in body["days"][:3]} == {0.5}
    assert all(row["survival_7"] is None and row["survival_30"] is None for row in body["days"])
    assert body["cohorts"] == []

    two = get_health(client, session, world, f"squad={second}&from=2026-03-01&to=2026-03-10").get_json()
    assert by_date(two) == {
        "2026-03-02": (1, 0),  # Di joins the community on 03-03
        "2026-03-03": (2, 1),  # Cy
        "2026-03-04": (2, 1),  # Di
        "2026-03-05": (1, 0),  # Di left the community at 15:00
        "2026-03-06": (1, 0),  # Di's check-in after leaving does not count
        "2026-03-07": (1, 0),
        "2026-03-08": (1, 0),
        "2026-03-09": (1, 1),  # Cy
        "2026-03-10": (1, 0),
    }
    # the whole community is unchanged by the squads' rows
    whole = get_health(client, session, world, "from=2026-03-01&to=2026-03-05").get_json()
    assert whole["squad"] is None
    assert by_date(whole)["2026-03-03"] == (5, 2) and by_date(whole)["2026-03-05"] == (4, 0)


def test_a_squads_challenge_days_count_its_own_enrollments(client, session, squad_world):
    world, first, second = squad_world
    one = get_health(client, session, world, f"squad={first}&from=2026-03-01&to=2026-03-10").get_json()
    (challenge,) = one["challenges"]
    keys = ("day_index", "took_part", "checked_in", "checkin_rate", "eliminated", "eliminated_so_far")
    days = [tuple(d[key] for key in keys) for d in challenge["settled_days"]]
    assert days == [
        (0, 2, 1, 0.5, 0, 0),  # Ann (Bo's voided)
        (1, 2, 1, 0.5, 0, 0),  # Ann
        (2, 2, 1, None, 0, 0),  # excused: no rate
        (3, 2, 0, 0.0, 1, 1),  # Bo eliminated on it: he took part
        (4, 1, 0, 0.0, 0, 1),
    ]
    two = get_health(client, session, world, f"squad={second}&from=2026-03-01&to=2026-03-10").get_json()
    days = [
        (d["day_index"], d["took_part"], d["checked_in"], d["eliminated_so_far"])
        for d in two["challenges"][0]["settled_days"]
    ]
    # Di's check-in of day 4 came after her quitting was settled on day 3
    assert days == [(0, 2, 0, 0), (1, 2, 1, 0), (2, 2, 1, 0), (3, 2, 0, 1), (4, 1, 0, 1)]


def test_only_organizers_see_a_squad_and_only_their_communitys(client, session, squad_world):
    world, first, _ = squad_world
    query = f"squad={first}&from=2026-03-01&to=2026-03-10"
    # a member of the squad (and of the community) is not an organizer
    assert get_health(client, session, world, query, member=world.ann).status_code == 404
    assert get_health(client, session, world, query, member=make_member(session)).status_code == 404
    # another community's organizer cannot read this squad through their own community
    other_org = make_member(session)
    other = make_community(session, other_org)
    make_challenge(session, other)
    now = scenario.at(2, "12:00", month=4)
    with travel(now):
        response = client.get(
            f"/api/v1/communities/{other.id}/health?squad={first}", headers=auth_headers(session, other_org)
        )
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"
    # a squad that does not exist, and ids that are not squad ids
    assert get_health(client, session, world, "squad=999999").status_code == 404
    for bad in ("0", "-1", "x", "99999999999999999999"):
        assert get_health(client, session, world, f"squad={bad}").status_code == 422, bad


def test_the_page_offers_the_squads_and_shows_one(client, session, squad_world):
    world, first, _ = squad_world
    with travel(scenario.at(2, "12:00", month=4)):
        log_in(client, world.org)
        url = f"/communities/{world.community.id}/health?squad={first}&from=2026-03-01&to=2026-03-10"
        page = client.get(url)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert 'name="squad"' in html and f'<option value="{first}" selected>' in html
        assert "Retention by join week" not in html
        whole = client.get(f"/communities/{world.community.id}/health").get_data(as_text=True)
        assert 'name="squad"' in whole and "Retention by join week" in whole
        assert client.get(f"/communities/{world.community.id}/health?squad=999999").status_code == 404


def test_a_community_without_squads_offers_no_picker(client, session):
    world = scenario.build(session)
    with travel(scenario.at(2, "12:00", month=4)):
        log_in(client, world.org)
        html = client.get(f"/communities/{world.community.id}/health").get_data(as_text=True)
    assert 'name="squad"' not in html


def squad_alerts(session, community_id: int) -> set[tuple[int, date]]:
    rows = session.execute(
        select(HealthAlert.squad_id, HealthAlert.episode_start).where(
            HealthAlert.community_id == community_id, HealthAlert.squad_id != 0
        )
    ).all()
    return {tuple(row) for row in rows}


def run_at(app, instant) -> dict:
    with travel(instant):
        return scheduler.run_community_health(app)


def test_a_squad_below_two_dates_running_is_told_once_one_date_is_not(app, session):
    world = scenario.build(session)
    first, second = add_squads(session, world)
    world.community.health_alert_bps = 4000  # 40 %
    session.commit()
    c = world.community.id
    # dates over: up to 03-03; squad 2 was below on 03-02 only (0 of 1; 03-03: 1 of 2), squad 1 never
    run_at(app, scenario.at(4, "12:00"))
    assert squad_alerts(session, c) == set()
    # 03-05 is over: one date below for each squad (0 of 2, 0 of 1)
    run_at(app, scenario.at(6, "12:00"))
    assert squad_alerts(session, c) == set()
    # 03-06 too (0 of 1 each): two dates running, each squad's own episode
    run_at(app, scenario.at(7, "12:00"))
    assert squad_alerts(session, c) == {(first, date(2026, 3, 5)), (second, date(2026, 3, 5))}
    notes = session.scalars(
        select(Notification).where(Notification.kind == "health_alert_squad").order_by(Notification.id)
    ).all()
    assert [(n.recipient_id, n.params["squad"], n.params["since"]) for n in notes] == [
        (world.org.id, 1, "2026-03-05"),
        (world.org.id, 2, "2026-03-05"),
    ]
    title = session.get(Challenge, session.get(Squad, first).challenge_id).title
    assert notes[0].params["challenge"] == title
    mails = session.scalars(select(OutboxMail).where(OutboxMail.kind == "health_alert")).all()
    squad_mails = [m for m in mails if "squad 1 of" in m.body_text or "squad 2 of" in m.body_text]
    assert len(squad_mails) == 2
    first_mail = next(m for m in squad_mails if "squad 1 of" in m.body_text)
    assert f"/communities/{c}/health?squad={first}" in first_mail.body_text
    # told once per episode: another run later says nothing new
    run_at(app, scenario.at(7, "12:30") + timedelta(minutes=10))
    assert session.scalar(select(func.count()).where(Notification.kind == "health_alert_squad")) == 2
    assert len(squad_alerts(session, c)) == 2
