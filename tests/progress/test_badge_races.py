"""Badges against real, separately committing PostgreSQL transactions: two settlements that
award the same member at once (two challenges' days, or one day's awards run twice) leave one
row per badge, and neither fails."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from habits.domain.levels import Badge
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import BadgeAward, Challenge
from habits.services import badges
from habits.services.settlement import settle_next_day
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment, make_member
from tests.timehelpers import travel

pytestmark = pytest.mark.postgres
MEMBERS = 40


def _two_challenges(setup: Session) -> tuple[int, int, list[int]]:
    """Two challenges due at the same instant, the same members in both, everyone checked in on
    day 0 of both (in opposite orders, so the two inserts meet each other's keys)."""
    a = make_challenge(setup, start_date=date(2026, 3, 2), days=3)
    b = make_challenge(setup, start_date=date(2026, 3, 2), days=3)
    members = [make_member(setup) for _ in range(MEMBERS)]
    for ch in (a, b):
        with travel(at_local(ch, -1, "12:00")):
            es = [make_enrollment(setup, ch, m, status=EnrollmentStatus.ACTIVE) for m in members]
        for i, e in enumerate(es if ch is a else reversed(es)):
            make_checkin(setup, e, 0, at=at_local(ch, 0, f"05:{i:02d}"))
    for ch in (a, b):
        ch.status, ch.settled_days = "running", 0
    setup.commit()
    return a.id, b.id, [m.id for m in members]


def _race(pg_engine, work) -> list[BaseException]:
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job):
        try:
            with Session(pg_engine) as session:
                job(session, barrier)
                session.commit()
        except BaseException as exc:  # reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _count(pg_engine, kind: Badge) -> dict[int, int]:
    with Session(pg_engine) as session:
        rows = session.execute(
            select(BadgeAward.member_id, func.count())
            .where(BadgeAward.kind == kind)
            .group_by(BadgeAward.member_id)
        )
        return dict(rows.all())


def test_two_challenges_settled_at_once_award_each_first_check_in_once(pg_engine):
    with Session(pg_engine) as setup:
        a_id, b_id, member_ids = _two_challenges(setup)
        now = at_local(setup.get(Challenge, a_id), 0, "07:10")

    def settle(challenge_id):
        def job(session, barrier):
            challenge = session.scalars(
                select(Challenge).where(Challenge.id == challenge_id).with_for_update()
            ).one()
            barrier.wait()
            settle_next_day(session, challenge, now=now)

        return job

    assert _race(pg_engine, [settle(a_id), settle(b_id)]) == []
    assert _count(pg_engine, Badge.FIRST_CHECK_IN) == dict.fromkeys(member_ids, 1)
    # each challenge's day has its own risers
    with pg_engine.connect() as conn:
        risers = conn.execute(
            text(
                "SELECT challenge_id, count(*) FROM badges"
                " WHERE kind = 'earliest_riser' GROUP BY challenge_id"
            )
        ).all()
    assert sorted(risers) == [(a_id, 1), (b_id, 1)]


def test_one_days_awards_run_twice_at_once_write_each_badge_once(pg_engine):
    with Session(pg_engine) as setup:
        a_id, _, member_ids = _two_challenges(setup)
        now = at_local(setup.get(Challenge, a_id), 0, "07:10")

    def award(session, barrier):
        challenge = session.get(Challenge, a_id)
        barrier.wait()
        badges.award_day(session, challenge, 0, now=now, last_day=False)

    assert _race(pg_engine, [award, award, award]) == []
    assert _count(pg_engine, Badge.FIRST_CHECK_IN) == dict.fromkeys(member_ids, 1)
    assert sum(_count(pg_engine, Badge.TOP_THREE).values()) == 3
    assert sum(_count(pg_engine, Badge.EARLIEST_RISER).values()) == 1
