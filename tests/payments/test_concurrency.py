"""Two deliveries at once on PostgreSQL (real commits, separate connections): one effect."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Enrollment, Member
from habits.models.payment import Payment, Refund, StripeEvent
from habits.payments.offline import OfflineGateway
from habits.payments.webhooks import process_webhook
from habits.services import deposits, withdrawals
from tests.factories import make_enrollment, make_member
from tests.payments.helpers import SECRET, cash, held, open_challenge, sign, succeeded, violations, wallet

pytestmark = pytest.mark.postgres


def at_once(pg_engine, deliveries: list[tuple[bytes, str]]) -> list[int]:
    """Deliver each (body, header) from its own thread and connection, released together."""
    barrier = threading.Barrier(len(deliveries))
    codes: list[int] = [0] * len(deliveries)
    errors: list[BaseException] = []

    def run(i, body, header):
        try:
            with Session(pg_engine) as session:
                barrier.wait(timeout=10)
                outcome = process_webhook(session, body, header, secrets=[SECRET], now=datetime.now(UTC))
                codes[i] = outcome.status_code
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, b, h)) for i, (b, h) in enumerate(deliveries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return codes


@pytest.fixture
def pending(app, pg_engine):
    with Session(pg_engine, expire_on_commit=False) as session:
        enrollment = make_enrollment(session, open_challenge(session, deposit_minor=7000))
        deposits.start_deposit(
            session,
            enrollment,
            gateway=OfflineGateway([SECRET]),
            pay_from_wallet=False,
            now=datetime.now(UTC),
        )
        session.commit()
        return enrollment


def outcome(pg_engine, enrollment):
    with Session(pg_engine) as session:
        fresh = session.get(Enrollment, enrollment.id)
        return {
            "status": fresh.status,
            "held": held(session, fresh),
            "cash": cash(session, fresh.currency),
            "payments": session.scalar(select(func.count()).select_from(Payment)),
            "events": session.scalar(select(func.count()).select_from(StripeEvent)),
            "attempts": session.scalar(select(func.sum(StripeEvent.attempts))),
            "violations": violations(session),
        }


def test_the_same_event_delivered_twice_at_once_takes_effect_once(pg_engine, pending):
    delivery = sign(succeeded(pending))

    codes = at_once(pg_engine, [delivery, delivery])

    assert codes == [200, 200]
    assert outcome(pg_engine, pending) == {
        "status": EnrollmentStatus.ACTIVE,
        "held": 7000,
        "cash": 7000,
        "payments": 1,
        "events": 1,
        "attempts": 1,
        "violations": [],
    }


def test_two_events_about_one_payment_at_once_book_it_once(pg_engine, pending):
    codes = at_once(pg_engine, [sign(succeeded(pending)), sign(succeeded(pending))])

    assert codes == [200, 200]
    result = outcome(pg_engine, pending)
    assert (result["status"], result["held"], result["cash"], result["payments"]) == (
        EnrollmentStatus.ACTIVE,
        7000,
        7000,
        1,
    )
    assert result["events"] == 2 and result["violations"] == []


def race(pg_engine, jobs) -> list:
    """Run each job(session) in its own thread and connection, released together; commit on
    success. Returns each job's result or the exception it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        with Session(pg_engine, expire_on_commit=False) as session:
            barrier.wait(timeout=10)
            try:
                results[i] = job(session)
                session.commit()
            except Exception as error:
                session.rollback()
                results[i] = error

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def wallet_of_5000(app, pg_engine):
    """A member whose wallet holds 5000 (a late payment of 5000 by card), and two open challenges."""
    with Session(pg_engine, expire_on_commit=False) as session:
        member = make_member(session)
        late = make_enrollment(session, open_challenge(session, deposit_minor=5000), member)
        deposits.start_deposit(
            session, late, gateway=OfflineGateway([SECRET]), pay_from_wallet=False, now=datetime.now(UTC)
        )
        late.status = EnrollmentStatus.CANCELLED
        session.commit()
    body, header = sign(succeeded(late))
    with Session(pg_engine) as session:
        assert (
            process_webhook(session, body, header, secrets=[SECRET], now=datetime.now(UTC)).status_code == 200
        )
    return member


def test_two_wallet_payments_at_once_cannot_spend_the_wallet_twice(pg_engine, wallet_of_5000):
    member = wallet_of_5000
    with Session(pg_engine, expire_on_commit=False) as session:
        first = make_enrollment(session, open_challenge(session, deposit_minor=4000), member)
        second = make_enrollment(session, open_challenge(session, deposit_minor=4000), member)

    def pay(enrollment):
        def job(session):
            mine = session.get(Enrollment, enrollment.id)
            return deposits.start_deposit(
                session, mine, gateway=OfflineGateway([SECRET]), pay_from_wallet=True, now=datetime.now(UTC)
            )

        return job

    results = race(pg_engine, [pay(first), pay(second)])

    assert sorted(type(r).__name__ for r in results) == ["NoneType", "NotEnoughInWallet"]
    refused = next(r for r in results if r is not None)
    assert refused.extra["available_minor"] == 1000
    with Session(pg_engine) as session:
        statuses = sorted(session.get(Enrollment, e.id).status.value for e in (first, second))
        assert statuses == ["active", "pending_payment"]
        assert wallet(session, member.id, "CNY") == 1000
        assert violations(session) == []


def test_two_withdrawals_at_once_cannot_refund_the_wallet_twice(pg_engine, wallet_of_5000):
    member = wallet_of_5000

    def withdraw(session):
        return withdrawals.request_withdrawal(
            session, session.get(Member, member.id), amount_minor=5000, currency="CNY", now=datetime.now(UTC)
        )

    results = race(pg_engine, [withdraw, withdraw])

    assert sorted(type(r).__name__ for r in results) == ["NotEnoughInWallet", "Withdrawal"]
    with Session(pg_engine) as session:
        assert wallet(session, member.id, "CNY") == 0
        assert session.scalar(select(func.sum(Refund.amount_minor))) == 5000
        assert violations(session) == []
