"""POST /webhooks/stripe: verified, stored once, dispatched, failures kept and retried."""

from __future__ import annotations

import time

import pytest

from habits.domain.lifecycle import EnrollmentStatus
from habits.models.payment import EventStatus, Payment
from habits.payments import handlers
from tests.factories import make_enrollment
from tests.payments.helpers import (
    cash,
    deliver,
    event,
    failed,
    give_intent,
    held,
    now_utc,
    open_challenge,
    stored,
    succeeded,
    wallet,
)


@pytest.fixture
def pending(session, gateway):
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=7000))
    give_intent(session, enrollment, gateway, now=now_utc())
    return enrollment


def test_a_verified_payment_activates_the_enrollment_and_books_the_deposit(session, client, pending):
    response = deliver(client, succeeded(pending))

    assert response.status_code == 200
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.ACTIVE and pending.activated_at is not None
    assert held(session, pending) == 7000
    assert cash(session, pending.currency) == 7000


def test_a_replay_answers_200_and_changes_nothing(session, client, pending):
    evt = succeeded(pending)
    assert deliver(client, evt).status_code == 200
    again = deliver(client, evt)

    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    assert held(session, pending) == 7000 and cash(session, pending.currency) == 7000
    assert stored(session, evt["id"]).attempts == 1


def test_the_same_payment_under_another_event_id_books_nothing_more(session, client, pending):
    assert deliver(client, succeeded(pending)).status_code == 200
    assert deliver(client, succeeded(pending)).status_code == 200
    assert cash(session, pending.currency) == 7000
    assert session.query(Payment).filter_by(enrollment_id=pending.id).count() == 1


@pytest.mark.parametrize(
    "how",
    ["tampered", "wrong secret", "stale", "from the future", "no header", "not json"],
)
def test_bad_signatures_are_refused_with_400_and_store_nothing(session, client, pending, how):
    evt = succeeded(pending)
    if how == "tampered":
        response = deliver(client, evt, tamper=True)
    elif how == "wrong secret":
        response = deliver(client, evt, secret="whsec_someone_else")
    elif how == "stale":
        response = deliver(client, evt, timestamp=int(time.time()) - 301)
    elif how == "from the future":
        response = deliver(client, evt, timestamp=int(time.time()) + 3600)
    elif how == "no header":
        response = client.post("/webhooks/stripe", json=evt)
    else:
        import stripe

        header = stripe.WebhookSignature.generate_signature_header("not json", "whsec_test_secret")
        response = client.post("/webhooks/stripe", data=b"not json", headers={"Stripe-Signature": header})

    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert stored(session, evt["id"]) is None
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.PENDING_PAYMENT


def test_a_signed_body_that_is_no_event_is_a_400(session, client):
    import json

    import stripe

    payload = json.dumps({"hello": "world"})
    header = stripe.WebhookSignature.generate_signature_header(payload, "whsec_test_secret")
    response = client.post("/webhooks/stripe", data=payload, headers={"Stripe-Signature": header})
    assert response.status_code == 400


def test_an_unknown_event_type_is_recorded_and_acknowledged(session, client):
    evt = event("customer.created", {"id": "cus_1", "object": "customer"})
    response = deliver(client, evt)
    assert response.status_code == 200
    assert stored(session, evt["id"]).status == EventStatus.IGNORED


def test_a_failed_handler_keeps_its_error_and_runs_again_on_retry(session, client, pending, monkeypatch):
    evt = succeeded(pending)

    def broken(ctx, event):
        handlers.on_payment_succeeded(ctx, event)  # books, then fails: all of it must roll back
        raise RuntimeError("database hiccup")

    monkeypatch.setitem(handlers.EVENT_HANDLERS, "payment_intent.succeeded", broken)
    response = deliver(client, evt)

    assert response.status_code == 500
    row = stored(session, evt["id"])
    assert row.status == EventStatus.FAILED and "database hiccup" in row.error and row.attempts == 1
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.PENDING_PAYMENT
    assert cash(session, pending.currency) == 0

    monkeypatch.undo()
    retry = deliver(client, evt)

    assert retry.status_code == 200
    row = stored(session, evt["id"])
    assert row.status == EventStatus.PROCESSED and row.error is None and row.attempts == 2
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.ACTIVE and held(session, pending) == 7000


def test_a_declined_card_leaves_the_enrollment_pending_with_the_reason(session, client, pending):
    assert deliver(client, failed(pending, "Your card has insufficient funds.")).status_code == 200
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.PENDING_PAYMENT
    assert pending.payment_error == "Your card has insufficient funds."

    assert deliver(client, succeeded(pending)).status_code == 200
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.ACTIVE and pending.payment_error is None


def test_a_failure_that_arrives_after_the_success_changes_nothing(session, client, pending):
    deliver(client, succeeded(pending))
    deliver(client, failed(pending))
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.ACTIVE and pending.payment_error is None


@pytest.mark.parametrize(
    "change, why",
    [
        ({"amount": 6999}, "6999 minor units"),
        ({"currency": "usd"}, "in USD"),
    ],
)
def test_a_payment_that_does_not_match_the_deposit_goes_to_the_wallet(session, client, pending, change, why):
    response = deliver(client, succeeded(pending, **change))

    assert response.status_code == 200
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.PENDING_PAYMENT
    assert why in pending.payment_error
    currency = change.get("currency", pending.currency).upper()
    amount = change.get("amount", pending.deposit_minor)
    assert wallet(session, pending.member_id, currency) == amount
    assert cash(session, currency) == amount and held(session, pending) == 0


def test_a_payment_after_the_enrollment_was_cancelled_goes_to_the_wallet(session, client, pending):
    pending.status = EnrollmentStatus.CANCELLED
    session.commit()

    assert deliver(client, succeeded(pending)).status_code == 200

    session.refresh(pending)
    assert pending.status == EnrollmentStatus.CANCELLED
    assert wallet(session, pending.member_id, pending.currency) == 7000
    assert held(session, pending) == 0
    payment = session.query(Payment).one()
    assert payment.used_for == "wallet" and payment.ledger_key == f"stripe-late:{pending.payment_intent_id}"


def test_a_payment_confirmed_after_day_zero_opened_goes_to_the_wallet(session, client, pending):
    from habits.models import Challenge

    challenge = session.get(Challenge, pending.challenge_id)
    late = int(challenge.day_zero_opens_at.timestamp()) + 60
    deliver(client, succeeded(pending, created=late))

    session.refresh(pending)
    assert pending.status == EnrollmentStatus.PENDING_PAYMENT  # the sweep cancels it
    assert wallet(session, pending.member_id, pending.currency) == 7000


def test_a_payment_for_no_known_enrollment_is_kept_rejected(session, client, pending):
    evt = succeeded(pending)
    evt["data"]["object"]["id"] = "pi_nobody_knows"
    evt["data"]["object"]["metadata"] = {"enrollment_id": "999999"}

    response = deliver(client, evt)

    assert response.status_code == 200
    row = stored(session, evt["id"])
    assert row.status == EventStatus.REJECTED and "999999" in row.error
    assert cash(session, pending.currency) == 0


def test_a_payment_confirmed_before_day_zero_but_delivered_after_it_still_counts(session, client, pending):
    """Stripe's clock says when it succeeded; a slow webhook does not cost the member their place."""
    from datetime import timedelta

    from sqlalchemy import select

    import ledger
    from habits.models import Challenge
    from tests.timehelpers import travel

    challenge = session.get(Challenge, pending.challenge_id)
    confirmed = challenge.day_zero_opens_at - timedelta(minutes=2)
    evt = succeeded(pending, created=int(confirmed.timestamp()))
    with travel(challenge.day_zero_opens_at + timedelta(minutes=3)):
        assert deliver(client, evt).status_code == 200

    session.refresh(pending)
    assert pending.status == EnrollmentStatus.ACTIVE and held(session, pending) == 7000
    deposit = session.scalar(
        select(ledger.LedgerTransaction).where(ledger.LedgerTransaction.key == f"deposit:{pending.id}")
    )
    assert deposit.occurred_at == confirmed


def test_flask_payments_reconcile_in_the_offline_mode(session, client, pending, app):
    from datetime import UTC, datetime

    import ledger
    from habits import books

    deliver(client, succeeded(pending))
    runner = app.test_cli_runner()
    clean = runner.invoke(args=["payments", "reconcile"])
    assert clean.exit_code == 0 and "no differences" in clean.output

    # money in processor cash that no processor event explains
    cash_account = books.open_account(session, books.processor_cash("CNY"))
    stray = books.open_account(session, books.unclaimed_revenue("CNY"))
    ledger.post(
        session,
        key="test:stray",
        currency="CNY",
        legs=[ledger.Leg(cash_account, 100), ledger.Leg(stray, -100)],
        memo="test: a movement nobody can explain",
        occurred_at=datetime.now(UTC),
    )
    session.commit()
    dirty = runner.invoke(args=["payments", "reconcile"])
    assert dirty.exit_code == 1
    assert "processor cash moved with no processor record: test:stray" in dirty.output
    assert "processor cash total differs: CNY" in dirty.output


@pytest.mark.parametrize("field, value", [("created", 10**15), ("amount", 10**19), ("amount", -5)])
def test_absurd_values_in_a_signed_event_never_make_a_5xx(session, client, pending, field, value):
    evt = succeeded(pending)
    if field == "created":
        evt["created"] = value
    else:
        evt["data"]["object"][field] = value
        evt["data"]["object"]["amount_received"] = value

    response = deliver(client, evt)

    assert response.status_code in (200, 400)
    assert cash(session, pending.currency) == 0
