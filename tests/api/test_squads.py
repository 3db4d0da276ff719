"""Squads (issue 16): placed by answers when day 0 opens, regrouped by the organizers without
losing or duplicating anyone, each change kept; the squads, a squad's leaderboard and its feed
for the challenge's participants and the organizers (SPEC "Who sees what"); flash challenges."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Squad, SquadChange, SquadMember, SquadMove
from habits.services.settlement.day_zero import open_day_zero
from habits.services.squads import placing
from tests.api.conftest import TOKEN_ISSUED_AT
from tests.api.helpers import auth_headers, enrollment_row
from tests.factories import (
    at_local,
    make_challenge,
    make_checkin,
    make_enrollment,
    make_member,
)
from tests.settlement.helpers import sweep
from tests.timehelpers import travel


def placed(session, challenge) -> dict[int, int]:
    session.expire_all()
    rows = session.execute(
        select(SquadMember.enrollment_id, SquadMember.squad_id).where(
            SquadMember.challenge_id == challenge.id
        )
    ).all()
    return dict(rows)


@pytest.fixture
def squads_world(session, world):
    """The world's challenge with squads of 3 and ten more participants, placed at day 0."""
    world.challenge.squad_size = 3
    session.commit()
    regions = ["CN", "US"]
    world.extra = [
        enrollment_row(session, world.challenge, make_member(session, region=regions[i % 2]))
        for i in range(10)
    ]
    placing.place_at_day_zero(session, world.challenge, now=world.challenge.day_zero_opens_at)
    session.commit()
    return world


def test_day_zero_places_active_members_by_region_under_the_cap(session):
    challenge = make_challenge(session, squad_size=4, min_participants=1)
    members = [make_member(session, region="CN" if i < 4 else "DE") for i in range(8)]
    enrollments = [make_enrollment(session, challenge, m, status=EnrollmentStatus.ACTIVE) for m in members]
    late = make_enrollment(session, challenge, make_member(session))  # never paid: cancelled, not placed
    with travel(challenge.day_zero_opens_at):
        open_day_zero(session, challenge, now=challenge.day_zero_opens_at)
        session.commit()
    where = placed(session, challenge)
    assert sorted(where) == sorted(e.id for e in enrollments) and late.id not in where
    assert sorted(Counter(where.values()).values()) == [4, 4]
    # same region together
    assert len({where[e.id] for e in enrollments[:4]}) == 1
    change = session.scalars(select(SquadChange).where(SquadChange.challenge_id == challenge.id)).one()
    assert (change.strategy, change.moved, change.actor_id) == ("placement", 8, None)


def test_no_squads_without_a_size(session):
    challenge = make_challenge(session)
    make_enrollment(session, challenge, status=EnrollmentStatus.ACTIVE)
    with travel(challenge.day_zero_opens_at):
        open_day_zero(session, challenge, now=challenge.day_zero_opens_at)
        session.commit()
    assert placed(session, challenge) == {}


def test_participants_and_organizers_see_squads_others_do_not(client, session, squads_world):
    w = squads_world
    url = f"/api/v1/challenges/{w.challenge.id}/squads"
    with travel(at_local(w.challenge, 0, "05:30")):
        for who in ("owner", "other", "organizer", "co_organizer"):
            response = client.get(url, headers=w.as_(who))
            assert response.status_code == 200, who
        assert client.get(url, headers=w.as_("outsider")).status_code == 404
        assert client.get(url).status_code == 401
        body = client.get(url, headers=w.as_("owner")).get_json()
    assert sum(item["members"] for item in body["items"]) == 12
    assert all(item["members"] <= 3 for item in body["items"])
    assert body["my_squad_id"] == placed(session, w.challenge)[w.owner_enrollment.id]


def test_a_squad_shows_its_leaderboard_and_its_feed_holds_only_its_members(client, session, squads_world):
    w = squads_world
    where = placed(session, w.challenge)
    mine = where[w.owner_enrollment.id]
    make_checkin(session, w.owner_enrollment, 0, at=at_local(w.challenge, 0, "05:10"))
    outside = next(e for e in w.extra if where[e.id] != mine)
    make_checkin(session, outside, 0, at=at_local(w.challenge, 0, "05:11"))
    with travel(at_local(w.challenge, 0, "06:00")):
        squad = client.get(f"/api/v1/squads/{mine}", headers=w.as_("owner")).get_json()
        assert squad["checked_in_today"] == 1
        assert {row["enrollment_id"] for row in squad["leaderboard"]} == {
            eid for eid, sid in where.items() if sid == mine
        }
        page = client.get(squad["feed_url"], headers=w.as_("owner")).get_json()
        assert [item["enrollment_id"] for item in page["items"]] == [w.owner_enrollment.id]
        assert client.get(f"/api/v1/squads/{mine}", headers=w.as_("outsider")).status_code == 404
        assert client.get("/api/v1/squads/999999", headers=w.as_("owner")).status_code == 404
        other_challenge = make_challenge(session, w.community)
        response = client.get(
            f"/api/v1/challenges/{other_challenge.id}/checkins?squad={mine}", headers=w.as_("organizer")
        )
        assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"strategy": "match"},
        {"strategy": "shuffle"},
        {"strategy": "activity"},
        {"strategy": "split", "size": 2},
        {"strategy": "merge", "squads": "first-two"},
        {"strategy": "match", "size": 6},
    ],
)
def test_every_regroup_keeps_each_member_once_and_is_kept_as_history(client, session, squads_world, body):
    w = squads_world
    before = placed(session, w.challenge)
    if body.get("squads") == "first-two":
        body = {**body, "squads": sorted(set(before.values()))[:2]}
    response = client.post(
        f"/api/v1/challenges/{w.challenge.id}/squads/regroup", json=body, headers=w.as_("organizer")
    )
    assert response.status_code == 200, response.get_json()
    after = placed(session, w.challenge)
    assert sorted(after) == sorted(before)
    change = response.get_json()
    assert change["strategy"] == body["strategy"] and change["actor"]["display_name"] == "Org"
    assert change["moved"] == sum(1 for eid in before if before[eid] != after[eid])
    moves = session.scalar(
        select(func.count()).select_from(SquadMove).where(SquadMove.change_id == change["id"])
    )
    assert moves == change["moved"]
    history = client.get(
        f"/api/v1/challenges/{w.challenge.id}/squads/history", headers=w.as_("owner")
    ).get_json()
    assert [item["strategy"] for item in history["items"]] == [body["strategy"], "placement"]
    cap = body.get("size") or 3
    if body["strategy"] != "merge":
        assert max(Counter(after.values()).values()) <= cap


def test_regroup_by_activity_moves_those_who_missed_most_into_a_fresh_squad(client, session, squads_world):
    w = squads_world
    w.challenge.settled_days = 7
    session.commit()
    absent = {w.owner_enrollment.id, w.extra[0].id}
    everyone = [w.owner_enrollment, w.other_enrollment, *w.extra]
    for enrollment in everyone:
        for day in range(7 if enrollment.id not in absent else 2):
            make_checkin(session, enrollment, day)
    before = placed(session, w.challenge)
    response = client.post(
        f"/api/v1/challenges/{w.challenge.id}/squads/regroup",
        json={"strategy": "activity"},
        headers=w.as_("co_organizer"),
    )
    assert response.status_code == 200
    after = placed(session, w.challenge)
    fresh = after[w.owner_enrollment.id]
    assert fresh not in before.values()
    assert {eid for eid, sid in after.items() if sid == fresh} == absent
    assert all(after[eid] == before[eid] for eid in before if eid not in absent)


def test_regroup_is_for_organizers_and_refuses_bad_input(client, session, squads_world):
    w = squads_world
    url = f"/api/v1/challenges/{w.challenge.id}/squads/regroup"
    some = sorted(set(placed(session, w.challenge).values()))
    assert client.post(url, json={"strategy": "shuffle"}, headers=w.as_("owner")).status_code == 403
    assert client.post(url, json={"strategy": "shuffle"}, headers=w.as_("outsider")).status_code == 404
    bad = [
        ({"strategy": "dance"}, "strategy"),
        ({"strategy": "merge", "squads": some[:1]}, "squads"),
        ({"strategy": "split", "squads": [999999]}, "squads"),
        ({"strategy": "split", "size": 1}, "size"),
        ({"strategy": "split", "size": 501}, "size"),
        ({"strategy": "merge", "squads": ["x"]}, "squads"),
        ({}, "strategy"),
    ]
    for body, field in bad:
        response = client.post(url, json=body, headers=w.as_("organizer"))
        assert response.status_code == 422, body
        assert field in response.get_json()["errors"], response.get_json()
    assert session.scalar(select(func.count()).select_from(SquadChange)) == 1


def test_regroup_before_day_zero_placed_anyone_is_refused(client, session, world):
    world.challenge.squad_size = 5
    session.commit()
    response = client.post(
        f"/api/v1/challenges/{world.challenge.id}/squads/regroup",
        json={"strategy": "shuffle"},
        headers=world.as_("organizer"),
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "challenge_has_no_squads"


def test_merge_leaves_the_others_dissolved(client, session, squads_world):
    w = squads_world
    ids = sorted(set(placed(session, w.challenge).values()))
    client.post(
        f"/api/v1/challenges/{w.challenge.id}/squads/regroup",
        json={"strategy": "merge", "squads": ids[:2]},
        headers=w.as_("organizer"),
    )
    session.expire_all()
    assert session.get(Squad, ids[1]).dissolved_at is not None
    listed = client.get(f"/api/v1/challenges/{w.challenge.id}/squads", headers=w.as_("owner")).get_json()
    assert ids[1] not in [item["id"] for item in listed["items"]]


# -- launching: squad_size and flash --------------------------------------------------------------


def launch(client, world, **rules):
    body = {
        "title": "Flash run",
        "timezone": "Asia/Shanghai",
        "start_date": "2026-04-01",
        "days": 2,
        "window_open": "05:00",
        "window_close": "07:00",
        "deposit_minor": 1000,
        "currency": "CNY",
        **rules,
    }
    with travel(at_local(world.challenge, 0, "00:00") - timedelta(days=1)):
        return client.post(
            f"/api/v1/communities/{world.community.id}/challenges", json=body, headers=world.as_("organizer")
        )


def test_launch_takes_squad_size_and_flash_and_refuses_them_by_field(client, world):
    made = launch(client, world, squad_size=150, flash=True, days=3)
    assert made.status_code == 201, made.get_json()
    assert (made.get_json()["squad_size"], made.get_json()["flash"]) == (150, True)
    assert launch(client, world).get_json()["squad_size"] == 0
    for rules, field in [
        ({"squad_size": 1}, "squad_size"),
        ({"squad_size": 501}, "squad_size"),
        ({"squad_size": -1}, "squad_size"),
        ({"squad_size": "150"}, "squad_size"),
        ({"flash": True, "days": 4}, "days"),
        ({"flash": "yes"}, "flash"),
    ]:
        response = launch(client, world, **rules)
        assert response.status_code == 422, rules
        assert field in response.get_json()["errors"], response.get_json()


def test_a_flash_challenge_lets_in_without_the_form_but_not_past_an_invitation(client, session, world):
    world.community.entry_form = [{"key": "why", "label": "Why?", "kind": "text", "required": True}]
    world.community.approval = True
    session.commit()
    flash = make_challenge(session, world.community, flash=True, days=2, start_date=date(2026, 4, 1))
    plain = make_challenge(session, world.community, days=2, start_date=date(2026, 4, 1))
    stranger = make_member(session)
    headers = auth_headers(session, stranger, now=TOKEN_ISSUED_AT, ttl_days=3650)
    with travel(at_local(flash, 0, "00:00") - timedelta(days=1)):
        assert client.get(f"/api/v1/challenges/{flash.id}", headers=headers).status_code == 200
        assert client.get(f"/api/v1/challenges/{plain.id}", headers=headers).status_code == 404
        for challenge, expected in ((plain, 403), (flash, 201)):
            response = client.post(
                f"/api/v1/challenges/{challenge.id}/enrollments",
                json={"pay_from_wallet": True},
                headers=headers,
            )
            assert response.status_code in (expected, 409), response.get_json()
            if expected == 201:
                # the wallet is empty: the join itself got past the entry rules
                assert response.get_json().get("code") != "forbidden"
        world.community.invite_code = "SECRET-1"
        session.commit()
        closed = make_challenge(session, world.community, flash=True, days=1, start_date=date(2026, 4, 1))
        assert client.get(f"/api/v1/challenges/{closed.id}", headers=headers).status_code == 404
        response = client.post(
            f"/api/v1/challenges/{closed.id}/enrollments", json={"pay_from_wallet": True}, headers=headers
        )
        assert response.status_code == 403


def test_joining_a_flash_challenge_still_closes_at_day_zero(client, session, world):
    flash = make_challenge(session, world.community, flash=True, days=1)
    with travel(flash.day_zero_opens_at):
        response = client.post(
            f"/api/v1/challenges/{flash.id}/enrollments",
            json={"pay_from_wallet": True},
            headers=world.as_("outsider"),
        )
    assert response.status_code == 409


def test_a_flash_challenge_is_archived_once_its_last_day_is_settled(client, session, world):
    # the world's own challenge holds enrollments without accounts: nothing the sweep must see
    session.delete(world.owner_enrollment)
    session.delete(world.other_enrollment)
    session.commit()
    flash = make_challenge(session, world.community, flash=True, days=1, title="Flash")
    enrollment = make_enrollment(session, flash, world.owner, status=EnrollmentStatus.ACTIVE)
    make_checkin(session, enrollment, 0)
    listed = f"/api/v1/communities/{world.community.id}/challenges"
    with travel(flash.day_zero_opens_at):
        sweep(session, flash.day_zero_opens_at)
        assert flash.id in [
            c["id"] for c in client.get(listed, headers=world.as_("owner")).get_json()["items"]
        ]
    due = flash.next_due_at
    with travel(due):
        sweep(session, due)
        session.refresh(flash)
        assert flash.archived_at is not None
        items = client.get(listed, headers=world.as_("owner")).get_json()["items"]
        assert flash.id not in [c["id"] for c in items]
        assert client.get(f"/api/v1/challenges/{flash.id}", headers=world.as_("owner")).status_code == 200
        mine = client.get("/api/v1/me/enrollments", headers=world.as_("owner")).get_json()["items"]
        assert enrollment.id in [e["id"] for e in mine]
