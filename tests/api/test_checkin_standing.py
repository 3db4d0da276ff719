"""The new check-in's standing in its 201 body: rank of the day and streak (SPEC, "Streaks, rank
and levels"), and ``standing_of`` for a check-in already written."""

from __future__ import annotations

from sqlalchemy import func, select

from habits.models import CheckIn, CheckInArrivalHole, ExcusedDay, RestDay
from habits.services import daymarks
from habits.services.checkins import standing
from tests.api.helpers import auth_headers, enrollment_row
from tests.factories import add_to_community, at_local, make_checkin, make_member
from tests.timehelpers import travel


def tap(client, enrollment, headers):
    return client.post(f"/api/v1/enrollments/{enrollment.id}/checkins", json={}, headers=headers)


def joined(session, world, name: str):
    member = make_member(session, display_name=name)
    add_to_community(session, world.community, member)
    return enrollment_row(session, world.challenge, member), auth_headers(session, member, ttl_days=3650)


def test_ranks_count_the_days_valid_check_ins_in_arrival_order(client, session, world):
    third, third_headers = joined(session, world, "Third")
    with travel(at_local(world.challenge, 0, "05:01")):
        first = tap(client, world.owner_enrollment, world.as_("owner"))
        again = tap(client, world.owner_enrollment, world.as_("owner"))  # a second tap draws nothing
        second = tap(client, world.other_enrollment, world.as_("other"))
        last = tap(client, third, third_headers)
    assert again.status_code == 409
    assert [r.get_json()["rank_of_day"] for r in (first, second, last)] == [1, 2, 3]
    assert {r.get_json()["streak"] for r in (first, second, last)} == {1}
    with travel(at_local(world.challenge, 1, "05:30")):  # a new day starts again at 1
        assert tap(client, world.other_enrollment, world.as_("other")).get_json()["rank_of_day"] == 1
    exact = standing.exact_ranks(session.connection(), world.challenge.id, 0)
    assert [exact[r.get_json()["id"]] for r in (first, second, last)] == [1, 2, 3]
    assert session.scalar(select(func.count()).select_from(CheckInArrivalHole)) == 0


def test_a_voided_check_in_leaves_the_rank(client, session, world):
    third, third_headers = joined(session, world, "Third")
    with travel(at_local(world.challenge, 0, "05:01")):
        first = tap(client, world.owner_enrollment, world.as_("owner")).get_json()
        second = tap(client, world.other_enrollment, world.as_("other")).get_json()
        voided = client.post(
            f"/api/v1/checkins/{first['id']}/void", json={"reason": "photo from yesterday"},
            headers=world.as_("organizer"),
        )  # fmt: skip
        after = tap(client, third, third_headers).get_json()
    assert voided.status_code == 200
    assert (second["rank_of_day"], after["rank_of_day"]) == (2, 2)  # the second ranked before the void
    session.expire_all()
    now = at_local(world.challenge, 0, "05:02")
    assert standing.standing_of(session, session.get(CheckIn, second["id"]), now=now).rank_of_day == 1
    assert standing.standing_of(session, session.get(CheckIn, first["id"]), now=now).rank_of_day is None
    assert standing.exact_ranks(session.connection(), world.challenge.id, 0) == {
        second["id"]: 1,
        after["id"]: 2,
    }


def test_rest_and_excused_days_neither_break_nor_add_to_the_streak(client, session, world):
    challenge = world.challenge
    enrollment = world.owner_enrollment
    make_checkin(session, enrollment, 0)
    session.add(RestDay(enrollment_id=enrollment.id, challenge_id=challenge.id, day_index=1,
                        declared_at=at_local(challenge, 0, "04:00")))  # fmt: skip
    make_checkin(session, enrollment, 2)
    session.add(ExcusedDay(challenge_id=challenge.id, day_index=3, reason="outage",
                           created_at=at_local(challenge, 3, "08:00")))  # fmt: skip
    session.commit()
    with travel(at_local(challenge, 4, "05:30")):
        body = tap(client, enrollment, world.as_("owner")).get_json()
    assert body["streak"] == 3  # days 0, 2 and 4; the rest day and the excused day in between
    with travel(at_local(challenge, 6, "05:30")):  # day 5 missed
        assert tap(client, enrollment, world.as_("owner")).get_json()["streak"] == 1


def test_a_voided_day_is_a_miss_for_the_streak(client, session, world):
    make_checkin(session, world.owner_enrollment, 0)
    voided = make_checkin(session, world.owner_enrollment, 1)
    voided.voided_at = at_local(world.challenge, 1, "06:00")
    session.commit()
    with travel(at_local(world.challenge, 2, "05:30")):
        assert tap(client, world.owner_enrollment, world.as_("owner")).get_json()["streak"] == 1


def test_an_appeal_ranks_when_it_was_recorded_and_its_old_number_becomes_a_hole(client, session, world):
    third, third_headers = joined(session, world, "Third")
    challenge = world.challenge
    with travel(at_local(challenge, 0, "05:01")):
        first = tap(client, world.owner_enrollment, world.as_("owner")).get_json()
        tap(client, world.other_enrollment, world.as_("other"))
        client.post(
            f"/api/v1/checkins/{first['id']}/void", json={"reason": "blurry"}, headers=world.as_("organizer")
        )
    with travel(at_local(challenge, 0, "06:30")):
        daymarks.accept_appeal(
            session, challenge.id, organizer=world.organizer, day_index=0,
            enrollment_id=world.owner_enrollment.id, reason="it was real",
            now=at_local(challenge, 0, "06:30"),
        )  # fmt: skip
        session.commit()
        last = tap(client, third, third_headers).get_json()
    session.expire_all()
    reinstated = session.get(CheckIn, first["id"])
    now = at_local(challenge, 0, "06:31")
    assert standing.standing_of(session, reinstated, now=now).rank_of_day == 2
    assert last["rank_of_day"] == 3
    exact = standing.exact_ranks(session.connection(), challenge.id, 0)
    assert exact[first["id"]] == 2 and exact[last["id"]] == 3
    assert session.scalar(select(func.count()).select_from(CheckInArrivalHole)) == 1


def test_a_seeded_history_is_numbered_in_the_order_of_its_instants(session, world):
    late = make_checkin(
        session, world.owner_enrollment, 0, at=at_local(world.challenge, 0, "06:30"), arrival_no=None
    )
    early = make_checkin(
        session, world.other_enrollment, 0, at=at_local(world.challenge, 0, "05:10"), arrival_no=None
    )
    standing.number_in_time_order(session, world.challenge.id)
    session.commit()
    assert standing.exact_ranks(session.connection(), world.challenge.id, 0) == {early.id: 1, late.id: 2}


def test_a_settled_day_forgets_its_arrival_sequence(client, session, world):
    """On PostgreSQL a day's first tap makes its sequence and the day's settlement drops it (no
    sequence per challenge day forever); SQLite keeps none. A draw after it would start again
    from the day's highest number."""
    with travel(at_local(world.challenge, 0, "05:01")):
        first = tap(client, world.owner_enrollment, world.as_("owner")).get_json()
    postgresql = session.get_bind().dialect.name == "postgresql"
    name = f"check_in_arrivals_{world.challenge.id}_0"
    exists = select(func.to_regclass(name).is_not(None)) if postgresql else None
    if postgresql:
        assert session.scalar(exists)
    standing.forget_day_arrivals(session, world.challenge.id, 0)
    if postgresql:
        assert not session.scalar(exists)
        again = session.scalar(select(func.check_in_arrival(world.challenge.id, 0, None)))
        assert again == first["rank_of_day"] + 1  # made again after the day's highest number
