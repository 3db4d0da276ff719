"""Alipay and WeChat Pay deposits, which localstripe cannot take: Stripe's events for them
(``fixtures/alipay``, ``fixtures/wechat_pay``: PaymentIntents with those payment_method_types,
as the API version 2025-01-27.acacia sends them), signed with the webhook secret and posted to
/webhooks/stripe. The same webhook path books them as it books a card: exactly once, into the
held deposit when the enrollment can take it, into the wallet when it cannot.
"""

from __future__ import annotations

import copy
import json
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from habits.domain.lifecycle import EnrollmentStatus
from habits.models.payment import EventStatus, Payment, PaymentUse
from habits.payments.reconcile import reconcile, view_from_events
from tests.factories import make_enrollment
from tests.payments.helpers import (
    assert_books_clean,
    cash,
    deliver,
    held,
    open_challenge,
    stored,
    violations,
    wallet,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def stripe_event(name: str, enrollment, *, at: datetime | None = None) -> dict:
    """The fixture ``name`` (e.g. "alipay/payment_intent.succeeded") about ``enrollment``'s
    PaymentIntent: its id, amount, currency and metadata put in; a fresh event id."""
    evt = json.loads((FIXTURES / f"{name}.json").read_text())
    obj = copy.deepcopy(evt["data"]["object"])
    obj.update(
        id=enrollment.payment_intent_id,
        amount=enrollment.deposit_minor,
        currency=enrollment.currency.lower(),
        metadata={"enrollment_id": str(enrollment.id), "member_id": str(enrollment.member_id)},
        client_secret=f"{enrollment.payment_intent_id}_secret_{secrets.token_hex(8)}",
    )
    if obj["amount_received"]:
        obj["amount_received"] = enrollment.deposit_minor
    if obj["latest_charge"]:
        obj["latest_charge"] = f"{obj['latest_charge']}_{enrollment.id}"
    evt["data"]["object"] = obj
    evt["id"] = f"{evt['id']}_{secrets.token_hex(6)}"
    evt["created"] = int((at or datetime.now(UTC)).timestamp())
    return evt


@pytest.fixture
def waiting(session):
    """An enrollment whose PaymentIntent (created by Stripe for Alipay / WeChat Pay) is unpaid."""
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=3000))
    enrollment.payment_intent_id = "pi_3Qx" + secrets.token_hex(10)
    session.commit()
    return enrollment


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_a_wallet_payment_is_booked_once_its_success_arrives(session, client, waiting, method):
    action = stripe_event(f"{method}/payment_intent.requires_action", waiting)
    assert action["data"]["object"]["payment_method_types"] == [method]

    # the member is on Alipay's page, or scanning WeChat Pay's QR code: nothing is booked
    assert deliver(client, action).status_code == 200
    assert stored(session, action["id"]).status == EventStatus.IGNORED
    session.refresh(waiting)
    assert waiting.status == EnrollmentStatus.PENDING_PAYMENT and cash(session, "CNY") == 0

    paid = stripe_event(f"{method}/payment_intent.succeeded", waiting)
    response = deliver(client, paid)

    assert response.status_code == 200 and stored(session, paid["id"]).status == EventStatus.PROCESSED
    session.refresh(waiting)
    assert waiting.status == EnrollmentStatus.ACTIVE
    assert held(session, waiting) == 3000 and cash(session, "CNY") == 3000
    payment = session.scalar(select(Payment).where(Payment.payment_intent_id == waiting.payment_intent_id))
    assert payment.used_for == PaymentUse.DEPOSIT and payment.amount_minor == 3000
    assert payment.charge_id == paid["data"]["object"]["latest_charge"]
    assert_books_clean(session)


def test_an_abandoned_alipay_payment_is_told_and_wechat_pay_then_pays_the_same_deposit(
    session, client, waiting
):
    assert deliver(client, stripe_event("alipay/payment_intent.payment_failed", waiting)).status_code == 200
    session.refresh(waiting)
    assert waiting.status == EnrollmentStatus.PENDING_PAYMENT
    assert waiting.payment_error.startswith("The provided PaymentMethod has failed authentication.")
    assert cash(session, "CNY") == 0

    assert deliver(client, stripe_event("wechat_pay/payment_intent.succeeded", waiting)).status_code == 200

    session.refresh(waiting)
    assert waiting.status == EnrollmentStatus.ACTIVE and waiting.payment_error is None
    assert held(session, waiting) == 3000 and cash(session, "CNY") == 3000
    assert_books_clean(session)


def test_a_replayed_or_repeated_success_books_nothing_more(session, client, waiting):
    paid = stripe_event("alipay/payment_intent.succeeded", waiting)
    assert deliver(client, paid).status_code == 200
    replay = deliver(client, paid)
    again = deliver(client, stripe_event("alipay/payment_intent.succeeded", waiting))

    assert replay.get_json()["status"] == "duplicate" and again.status_code == 200
    assert cash(session, "CNY") == 3000 and held(session, waiting) == 3000
    assert session.query(Payment).filter_by(enrollment_id=waiting.id).count() == 1
    assert_books_clean(session)


def test_a_wechat_payment_after_day_0_opened_goes_to_the_wallet(session, client):
    started = open_challenge(session, deposit_minor=3000, start_date=date.today() - timedelta(days=2))
    enrollment = make_enrollment(session, started)
    enrollment.payment_intent_id = "pi_3Qx" + secrets.token_hex(10)
    session.commit()

    assert deliver(client, stripe_event("wechat_pay/payment_intent.succeeded", enrollment)).status_code == 200

    session.refresh(enrollment)
    assert enrollment.status == EnrollmentStatus.PENDING_PAYMENT
    assert "it is in your wallet" in enrollment.payment_error
    assert held(session, enrollment) == 0 and wallet(session, enrollment.member_id, "CNY") == 3000
    assert_books_clean(session)


def test_a_payment_naming_our_enrollment_with_an_intent_we_never_asked_for_is_not_booked(
    session, client, waiting
):
    """Another deployment on the same Stripe account sends events that name its own row ids:
    metadata is a hint, the PaymentIntent we asked for is the match."""
    stray = stripe_event("alipay/payment_intent.succeeded", waiting)
    stray["data"]["object"]["id"] = "pi_3Qx" + secrets.token_hex(10)

    response = deliver(client, stray)

    assert response.status_code < 500
    assert stored(session, stray["id"]).status == EventStatus.REJECTED
    session.refresh(waiting)
    assert waiting.status == EnrollmentStatus.PENDING_PAYMENT
    assert cash(session, "CNY") == 0 and held(session, waiting) == 0
    assert violations(session) == []
    # the processor was paid and we booked nothing: reconciliation shows it to the operator
    differences = {d.reference for d in reconcile(session, view_from_events(session))}
    assert stray["data"]["object"]["id"] in differences
