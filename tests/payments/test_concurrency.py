"""Two deliveries at once on PostgreSQL (real commits, separate connections): one effect."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Enrollment
from habits.models.payment import Payment, StripeEvent
from habits.payments.offline import OfflineGateway
from habits.payments.webhooks import process_webhook
from habits.services import deposits
from tests.factories import make_enrollment
from tests.payments.helpers import SECRET, cash, held, open_challenge, sign, succeeded, violations

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
