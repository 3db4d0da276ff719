"""The streak each day's settlement keeps per enrollment (outcomes.DayWork.update_streaks) is the
domain's (habits.domain.streaks.challenge_streak), over random days of check-ins, misses, rest
days, excused days and voided check-ins, settled one by one through the real sweep; eliminated
members keep checking in (their check-ins count for streaks, never for money). Migration 0026's
backfill, run over the same history after each day, gives the same numbers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.streaks import challenge_streak
from habits.models import Enrollment, ExcusedDay, RestDay
from tests.factories import at_local, make_challenge, make_checkin, make_member
from tests.progress.test_badges import enroll, settle

S = EnrollmentStatus
MIGRATION = Path(__file__).resolve().parents[2] / "migrations/versions/0026_enrollment_streaks.py"


def backfill_steps() -> tuple[str, ...]:
    spec = importlib.util.spec_from_file_location("streaks_0026", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BACKFILL_STEPS


def kept(session, es) -> list[tuple[int, int]]:
    ids = [e.id for e in es]
    rows = {
        id_: (streak, best)
        for id_, streak, best in session.execute(
            select(Enrollment.id, Enrollment.streak, Enrollment.best_streak).where(Enrollment.id.in_(ids))
        )
    }
    return [rows[id_] for id_ in ids]


def backfilled(session, es) -> list[tuple[int, int]]:
    """What migration 0026 computes from the history (the kept numbers put back afterwards)."""
    before = kept(session, es)
    ids = [e.id for e in es]
    session.execute(update(Enrollment).where(Enrollment.id.in_(ids)).values(streak=0, best_streak=0))
    for statement in backfill_steps():
        session.execute(text(statement))
    after = kept(session, es)
    for id_, (streak, best) in zip(ids, before, strict=True):
        session.execute(
            update(Enrollment).where(Enrollment.id == id_).values(streak=streak, best_streak=best)
        )
    return after


ACTIONS = ("check_in", "miss", "rest", "voided")

days_of = st.integers(2, 6).flatmap(
    lambda days: st.tuples(
        st.lists(st.lists(st.sampled_from(ACTIONS), min_size=days, max_size=days), min_size=1, max_size=3),
        st.lists(st.booleans(), min_size=days, max_size=days),
        st.integers(0, 3),
    )
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=days_of)
def test_the_kept_streak_is_the_domains_streak_day_after_day(session, plan):
    actions, excused, max_misses = plan
    days = len(excused)
    ch = make_challenge(session, days=days, max_misses=max_misses)
    es = enroll(session, ch, *(make_member(session) for _ in actions))
    valid: list[set[int]] = [set() for _ in es]
    neutral: list[set[int]] = [set() for _ in es]
    for k in range(days):
        if excused[k]:
            session.add(
                ExcusedDay(
                    challenge_id=ch.id, day_index=k, reason="storm", created_at=at_local(ch, k, "04:00")
                )
            )
        for i, e in enumerate(es):
            session.refresh(e)
            action = actions[i][k]
            if excused[k]:
                neutral[i].add(k)
            if action == "rest" and e.status == S.ACTIVE:
                session.add(
                    RestDay(
                        enrollment_id=e.id,
                        challenge_id=ch.id,
                        day_index=k,
                        declared_at=at_local(ch, k, "04:00"),
                    )
                )
                neutral[i].add(k)
            elif action in ("check_in", "voided"):
                voided = at_local(ch, k, "06:30") if action == "voided" else None
                make_checkin(
                    session,
                    e,
                    k,
                    at=at_local(ch, k, "05:30"),
                    voided_at=voided,
                    counts_for_money=e.status == S.ACTIVE,
                )
                if voided is None:
                    valid[i].add(k)
        session.commit()
        settle(session, ch, k)
        for i, e in enumerate(es):
            session.refresh(e)
            expected = challenge_streak(valid[i], last_opened=k, last_is_open=False, neutral=neutral[i])
            assert (e.streak, e.best_streak) == (expected.current, expected.best), (i, k, e.status)
        assert backfilled(session, es) == kept(session, es), k
        session.commit()
