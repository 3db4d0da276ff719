"""Check-ins against real, separately committing PostgreSQL transactions: racing double taps."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from habits.extensions import db
from habits.models import Enrollment
from habits.services.checkins import AlreadyCheckedIn, Evidence, check_in, check_in_with_token, standing
from habits.services.tokens import Unauthenticated, hash_token, issue_token, revoke_token
from tests.api.helpers import enrollment_row
from tests.factories import at_local, make_challenge, make_member
from tests.timehelpers import travel

pytestmark = pytest.mark.postgres


def at_once(tap, n: int) -> None:
    """Run ``tap`` in ``n`` threads (it waits at the test's barrier, so they race) and wait for all."""
    threads = [threading.Thread(target=tap) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def stored_check_ins(pg_engine, enrollment_id: int) -> int:
    with pg_engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM check_ins WHERE enrollment_id = :e"), {"e": enrollment_id}
        ).scalar()


def test_two_simultaneous_check_ins_of_one_enrollment_store_one(pg_engine):
    with Session(pg_engine) as setup:
        challenge = make_challenge(setup, start_date=date(2026, 3, 2))
        enrollment = enrollment_row(setup, challenge, make_member(setup))
        enrollment_id, now = enrollment.id, at_local(challenge, 0, "05:30")
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def tap():
        with Session(pg_engine) as session:
            mine = session.get(Enrollment, enrollment_id)
            barrier.wait()
            try:
                check_in(session, mine, evidence=Evidence(note="tap"), now=now)
                session.commit()
                outcomes.append("stored")
            except AlreadyCheckedIn:
                session.rollback()
                outcomes.append("already")

    at_once(tap, 4)
    assert sorted(outcomes) == ["already", "already", "already", "stored"]
    assert stored_check_ins(pg_engine, enrollment_id) == 1


def test_token_path_refuses_a_revoked_token(pg_engine):
    with Session(pg_engine) as session:
        challenge = make_challenge(session, start_date=date(2026, 3, 2))
        member = make_member(session)
        enrollment = enrollment_row(session, challenge, member)
        now = at_local(challenge, 0, "05:30")
        issued = issue_token(session, member, now=now)
        revoke_token(session, issued.api_token, now=now)
        session.commit()
        with pytest.raises(Unauthenticated):
            check_in_with_token(
                session,
                token_hash=hash_token(issued.token),
                enrollment_id=enrollment.id,
                evidence=Evidence(),
                now=now,
            )


def test_token_path_stores_one_check_in_when_taps_race(pg_engine):
    """The API's path (autocommitted read and insert on PostgreSQL) under racing double taps."""
    with Session(pg_engine) as setup:
        challenge = make_challenge(setup, start_date=date(2026, 3, 2))
        member = make_member(setup)
        enrollment_id = enrollment_row(setup, challenge, member).id
        now = at_local(challenge, 0, "05:30")
        token_hash = hash_token(issue_token(setup, member, now=now).token)
        setup.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def tap():
        with Session(pg_engine) as session:
            barrier.wait()
            try:
                recorded = check_in_with_token(
                    session, token_hash=token_hash, enrollment_id=enrollment_id, evidence=Evidence(), now=now
                )
                session.commit()
                outcomes.append(f"day {recorded.day_index}")
            except AlreadyCheckedIn:
                session.rollback()
                outcomes.append("already")

    at_once(tap, 4)
    assert sorted(outcomes) == ["already", "already", "already", "day 0"]
    assert stored_check_ins(pg_engine, enrollment_id) == 1


def test_the_api_tap_runs_and_commits_without_a_session(app, pg_engine, monkeypatch):
    """In production the tap's request creates no ORM session: the edge hands the service
    ``db.session`` like any other, the service finds the engine without creating the request's
    Session, and the check-in is committed on a pooled connection of its own."""
    sessions_created = []
    create = db.session.registry.createfunc
    monkeypatch.setattr(db.session.registry, "createfunc", lambda: sessions_created.append(1) or create())
    with Session(pg_engine) as setup:
        challenge = make_challenge(setup, start_date=date(2026, 3, 2))
        member = make_member(setup)
        enrollment_id = enrollment_row(setup, challenge, member).id
        now = at_local(challenge, 1, "05:30")
        token = issue_token(setup, member, now=now).token
        setup.commit()
    client = app.test_client()  # no `session` fixture: db.session is Flask-SQLAlchemy's own
    with travel(now):
        response = client.post(
            f"/api/v1/enrollments/{enrollment_id}/checkins",
            json={"note": "up"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["day_index"] == 1
    assert sessions_created == []
    with pg_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT day_index, note FROM check_ins WHERE enrollment_id = :e"), {"e": enrollment_id}
        )
        assert stored.all() == [(1, "up")]


def test_racing_taps_are_told_ranks_1_to_n_that_the_stored_rows_rank_the_same(pg_engine):
    """The wake-up spike in small: 24 members tap at once, four of them twice (racing themselves).
    Every first tap is told a distinct rank 1..24, with no gap, and each equals the exact ranking
    of the stored rows afterwards; the racing second taps draw no number (no hole)."""
    members = 24
    with Session(pg_engine) as setup:
        challenge = make_challenge(setup, start_date=date(2026, 3, 2))
        now = at_local(challenge, 0, "05:30")
        taps = []
        for i in range(members):
            member = make_member(setup)
            enrollment_id = enrollment_row(setup, challenge, member).id
            token_hash = hash_token(issue_token(setup, member, now=now).token)
            taps += [(enrollment_id, token_hash)] * (2 if i % 6 == 0 else 1)
        setup.commit()
        challenge_id = challenge.id
    told: dict[int, int] = {}
    streaks: set[int] = set()
    refused: list[int] = []
    barrier = threading.Barrier(len(taps))

    def tap(enrollment_id: int, token_hash: str) -> None:
        with Session(pg_engine) as session:
            barrier.wait()
            try:
                recorded = check_in_with_token(
                    session, token_hash=token_hash, enrollment_id=enrollment_id, evidence=Evidence(), now=now
                )
                told[recorded.id] = recorded.rank_of_day
                streaks.add(recorded.streak)
            except AlreadyCheckedIn:
                refused.append(enrollment_id)

    threads = [threading.Thread(target=tap, args=pair) for pair in taps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(refused) == len(taps) - members
    assert sorted(told.values()) == list(range(1, members + 1))
    with pg_engine.connect() as conn:
        assert standing.exact_ranks(conn, challenge_id, 0) == told
        assert conn.execute(text("SELECT count(*) FROM check_in_arrival_holes")).scalar() == 0
    assert streaks == {1}
