"""Stripe-shaped events for the tests, signed with Stripe's own helper, and ways to deliver them.

Only events localstripe cannot send are built here (refunds, disputes, duplicates, stale or
forged signatures); the verification they meet is the production code.
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import datetime

import stripe
from sqlalchemy import select

import ledger
from habits import books
from habits.models import Enrollment
from habits.models.payment import StripeEvent
from habits.services import deposits

SECRET = "whsec_test_secret"  # tests/conftest.py test_settings
_seq = itertools.count(1)


def event(event_type: str, obj: dict, *, event_id: str | None = None, created: int | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{next(_seq)}_{int(time.time() * 1000)}",
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": created if created is not None else int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }


def intent(
    enrollment: Enrollment, *, amount: int | None = None, currency: str | None = None, status="succeeded"
) -> dict:
    pi = enrollment.payment_intent_id
    return {
        "id": pi,
        "object": "payment_intent",
        "amount": enrollment.deposit_minor if amount is None else amount,
        "currency": (currency or enrollment.currency).lower(),
        "status": status,
        "latest_charge": charge_of(pi),
        "metadata": {"enrollment_id": str(enrollment.id)},
    }


def charge_of(payment_intent_id: str) -> str:
    return "ch_" + payment_intent_id.removeprefix("pi_")


def succeeded(enrollment: Enrollment, **kwargs) -> dict:
    created = kwargs.pop("created", None)
    return event("payment_intent.succeeded", intent(enrollment, **kwargs), created=created)


def failed(enrollment: Enrollment, message: str = "Your card was declined.") -> dict:
    obj = intent(enrollment, status="requires_payment_method")
    obj["last_payment_error"] = {"code": "card_declined", "message": message}
    return event("payment_intent.payment_failed", obj)


def refund_obj(refund_id: str, payment_intent_id: str, amount: int, currency: str, status: str, key=None):
    return {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "currency": currency.lower(),
        "payment_intent": payment_intent_id,
        "charge": charge_of(payment_intent_id),
        "status": status,
        "metadata": {"streakpot_key": key} if key else {},
    }


def dispute_obj(dispute_id: str, payment_intent_id: str, amount: int, currency: str, status: str) -> dict:
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "currency": currency.lower(),
        "charge": charge_of(payment_intent_id),
        "payment_intent": payment_intent_id,
        "status": status,
        "reason": "fraudulent",
    }


def sign(evt: dict, *, secret: str = SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    payload = json.dumps(evt)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    return payload.encode(), header


def deliver(client, evt: dict, *, secret: str = SECRET, timestamp: int | None = None, tamper: bool = False):
    body, header = sign(evt, secret=secret, timestamp=timestamp)
    if tamper:
        body = body.replace(b'"amount": ', b'"amount": 1', 1)
    return client.post(
        "/webhooks/stripe",
        data=body,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


def give_intent(session, enrollment: Enrollment, gateway, *, now: datetime) -> str:
    """Ask for the deposit as the join route does; returns the PaymentIntent id."""
    intent_ = deposits.start_deposit(session, enrollment, gateway=gateway, pay_from_wallet=False, now=now)
    session.commit()
    return intent_.payment_intent_id


def held(session, enrollment: Enrollment) -> int:
    """What the enrollment's held deposit holds (positive)."""
    return -ledger.balance(
        session, books.open_account(session, books.held_deposit(enrollment.id, enrollment.currency))
    )


def wallet(session, member_id: int, currency: str) -> int:
    return -ledger.balance(session, books.open_account(session, books.wallet(member_id, currency)))


def cash(session, currency: str) -> int:
    return ledger.balance(session, books.open_account(session, books.processor_cash(currency)))


def frozen(session, enrollment: Enrollment) -> int:
    return -ledger.balance(
        session, books.open_account(session, books.frozen_deposit(enrollment.id, enrollment.currency))
    )


def pending_refunds(session, member_id: int, currency: str) -> int:
    return -ledger.balance(session, books.open_account(session, books.refunds_pending(member_id, currency)))


def stored(session, event_id: str) -> StripeEvent | None:
    session.expire_all()
    return session.scalar(select(StripeEvent).where(StripeEvent.id == event_id))


def open_challenge(session, **overrides):
    """A challenge whose enrollment is still open (day 0 a month away on the real clock)."""
    from datetime import date, timedelta

    from tests.factories import make_challenge

    overrides.setdefault("start_date", date.today() + timedelta(days=30))
    return make_challenge(session, **overrides)


def now_utc() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


def violations(session) -> list:
    """`flask ledger verify`: the ledger's invariants, the habits checks and the payments check."""
    from habits.services import audit
    from habits.services.processor_cash import check_processor_cash
    from ledger.invariants import verify

    checks = list(audit.HABITS_CHECKS)
    if check_processor_cash not in checks:
        checks.append(check_processor_cash)
    return verify(session, checks)


def assert_books_clean(session) -> None:
    """Every invariant holds, and the books reconcile with the processor (the stored events)."""
    from habits.payments.reconcile import reconcile, view_from_events

    assert violations(session) == []
    assert reconcile(session, view_from_events(session)) == []
