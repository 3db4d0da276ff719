"""Payout decisions against real, separately committing PostgreSQL transactions: clicks at once."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Member
from habits.services import payouts
from habits.services.errors import HabitsError
from habits.services.payout_checks import check_payouts
from habits.services.settlement import settle_due_days
from tests.factories import PASSWORD, at_local, make_challenge, make_checkin, make_enrollment, make_member
from tests.payouts.helpers import CCY, pending, wallet

pytestmark = pytest.mark.postgres

THREADS = 4


@dataclass
class World:
    winner_id: int
    admin_id: int
    payout_id: int
    now: object


def at_once(work, n: int = THREADS) -> list[str]:
    """Run ``work(barrier)`` in ``n`` threads that start together; their outcomes, sorted."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    threads = [threading.Thread(target=lambda: outcomes.append(work(barrier))) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def world(pg_engine, amount: int = 500) -> World:
    """A winner whose wallet holds 600 (no card charge: all of it is a payout's), a requested
    payout of ``amount``, and a site administrator; all committed."""
    with Session(pg_engine) as setup:
        challenge = make_challenge(setup, days=1, deposit_minor=300, max_misses=0)
        winner = make_member(setup)
        won = make_enrollment(setup, challenge, winner, status=EnrollmentStatus.ACTIVE)
        make_enrollment(setup, challenge, status=EnrollmentStatus.ACTIVE)
        make_checkin(setup, won, 0)
        due = at_local(challenge, 0, "07:10")
        assert not settle_due_days(setup, now=due, commit=setup.commit).failed
        admin = make_member(setup, is_admin=True)
        now = due + timedelta(hours=1)
        payout = payouts.request_payout(
            setup, winner, amount_minor=amount, currency=CCY, destination="bank", now=now
        )
        setup.commit()
        return World(winner.id, admin.id, payout.id, now)


def decision(pg_engine, w: World, decide):
    def work(barrier) -> str:
        with Session(pg_engine) as session:
            admin = session.get(Member, w.admin_id)
            barrier.wait()
            try:
                decide(session, admin)
                session.commit()
                return "done"
            except HabitsError as refused:
                session.rollback()
                return refused.code

    return work


def rows(pg_engine, sql: str, **params) -> int:
    with pg_engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def books_after(pg_engine, w: World) -> tuple[int, int, list]:
    with Session(pg_engine) as session:
        return wallet(session, w.winner_id), pending(session, w.winner_id), check_payouts(session)


def test_approving_at_once_posts_once(pg_engine):
    w = world(pg_engine)

    def approve(session, admin):
        payouts.approve_payout(session, w.payout_id, admin=admin, password=PASSWORD, now=w.now)

    assert at_once(decision(pg_engine, w, approve)) == ["done"] * THREADS  # the others are repeats
    assert rows(pg_engine, "SELECT count(*) FROM ledger_transactions WHERE key LIKE 'payout:%'") == 1
    assert rows(pg_engine, "SELECT count(*) FROM payout_events WHERE action = 'approve'") == 1
    assert books_after(pg_engine, w) == (100, 500, [])


def test_marking_paid_at_once_posts_once(pg_engine):
    w = world(pg_engine)
    with Session(pg_engine) as session:
        admin = session.get(Member, w.admin_id)
        payouts.approve_payout(session, w.payout_id, admin=admin, password=PASSWORD, now=w.now)
        session.commit()

    def paid(session, admin):
        payouts.mark_paid(session, w.payout_id, admin=admin, reference="TX-1", now=w.now)

    assert at_once(decision(pg_engine, w, paid)) == ["done"] * THREADS
    assert rows(pg_engine, "SELECT count(*) FROM ledger_transactions WHERE key LIKE 'payout:%'") == 2
    assert books_after(pg_engine, w) == (100, 0, [])


def test_approving_and_refusing_at_once_decide_once(pg_engine):
    w = world(pg_engine)

    def approve_or_refuse(session, admin):
        if threading.current_thread().name[-1] in "13579":
            payouts.approve_payout(session, w.payout_id, admin=admin, password=PASSWORD, now=w.now)
        else:
            payouts.refuse_payout(session, w.payout_id, admin=admin, reason="no", now=w.now)

    outcomes = at_once(decision(pg_engine, w, approve_or_refuse))
    assert "done" in outcomes and set(outcomes) <= {"done", "payout_already_decided"}
    status = rows(pg_engine, "SELECT status FROM payouts WHERE id = :id", id=w.payout_id)
    held = (100, 500) if status == "approved" else (600, 0)
    assert books_after(pg_engine, w) == (*held, [])


def test_two_requests_at_once_never_promise_the_same_money(pg_engine):
    w = world(pg_engine, amount=100)  # 500 left to ask for

    def ask(barrier) -> str:
        with Session(pg_engine) as session:
            member = session.get(Member, w.winner_id)
            barrier.wait()
            try:
                payouts.request_payout(
                    session, member, amount_minor=400, currency=CCY, destination="bank", now=w.now
                )
                session.commit()
                return "asked"
            except HabitsError as refused:
                session.rollback()
                return refused.code

    assert at_once(ask, 2) == ["asked", "payout_over_ceiling"]
