"""Cheers against real, separately committing PostgreSQL transactions: a racing double tap
stores one cheer, and neither request fails."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from habits.models import Member
from habits.services import feed
from tests.api.helpers import enrollment_row
from tests.factories import at_local, make_challenge, make_checkin, make_member

pytestmark = pytest.mark.postgres


def test_simultaneous_cheers_of_one_member_store_one(pg_engine):
    with Session(pg_engine) as setup:
        challenge = make_challenge(setup, start_date=date(2026, 3, 2))
        owner = enrollment_row(setup, challenge, make_member(setup))
        fan = make_member(setup)
        enrollment_row(setup, challenge, fan)
        checkin = make_checkin(setup, owner, 0)
        checkin_id, fan_id, now = checkin.id, fan.id, at_local(challenge, 0, "05:30")
    barrier = threading.Barrier(4)
    outcomes: list[bool] = []

    def tap():
        with Session(pg_engine) as session:
            me = session.get(Member, fan_id)
            barrier.wait()
            state = feed.cheer(session, checkin_id, me, now=now)
            session.commit()
            outcomes.append(state.added)

    threads = [threading.Thread(target=tap) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, False, False, True]
    with pg_engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM cheers WHERE check_in_id = :c"), {"c": checkin_id}
            ).scalar()
            == 1
        )
