"""The stripe mode against localstripe: real stripe-python calls, real signed webhooks.

localstripe runs on 127.0.0.1 (tests/stripe_server.py, started by the suite). Its webhooks are
delivered over HTTP to the app served on 127.0.0.1 by werkzeug; the test thread serves each
request itself, so the app sees the test's database session.
"""

from __future__ import annotations

import time
import urllib.parse
import urllib.request

import pytest
import stripe
from werkzeug.serving import make_server

from habits.domain.lifecycle import EnrollmentStatus
from habits.models.payment import EventStatus, RefundStatus, StripeEvent
from habits.payments.reconcile import reconcile, view_from_gateway
from habits.services import deposits, withdrawals
from tests.factories import make_enrollment, make_member
from tests.payments.helpers import SECRET, cash, held, now_utc, open_challenge, wallet


def register_webhook(localstripe_url: str, url: str) -> None:
    data = urllib.parse.urlencode(
        [
            ("url", url),
            ("secret", SECRET),
            ("events[]", "payment_intent.succeeded"),
            ("events[]", "payment_intent.payment_failed"),
        ]
    ).encode()
    urllib.request.urlopen(
        urllib.request.Request(f"{localstripe_url}/_config/webhooks/streakpot", data=data)
    ).close()


@pytest.fixture
def served(app, localstripe_url):
    """The app on 127.0.0.1, with localstripe's webhooks pointed at it (then pointed nowhere)."""
    server = make_server("127.0.0.1", 0, app)
    server.timeout = 0.1
    register_webhook(localstripe_url, f"http://127.0.0.1:{server.server_port}/webhooks/stripe")
    try:
        yield server
    finally:
        register_webhook(localstripe_url, "http://127.0.0.1:9/nowhere")
        server.server_close()


def serve_until(server, session, predicate, seconds: float = 10.0):
    """Answer HTTP requests in this thread until ``predicate()`` holds (localstripe delivers ~1 s later)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        server.handle_request()
        session.expire_all()
        if predicate():
            return
    raise AssertionError("localstripe's webhook did not arrive in time")


def pay_with(stripe_client, payment_intent_id: str, card: str):
    """What Stripe.js does in the member's browser: attach a card and confirm."""
    stripe_client.v1.payment_intents.update(payment_intent_id, params={"payment_method": card})
    return stripe_client.v1.payment_intents.confirm(payment_intent_id)


def test_a_deposit_intent_is_created_at_stripe_with_the_enrollment(session, stripe_mode, stripe_client):
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=7000))

    intent = deposits.start_deposit(
        session, enrollment, gateway=stripe_mode, pay_from_wallet=False, now=now_utc()
    )

    assert intent.payment_intent_id.startswith("pi_") and intent.offline_confirm_url is None
    at_stripe = stripe_client.v1.payment_intents.retrieve(intent.payment_intent_id)
    assert at_stripe.amount == 7000 and at_stripe.currency == "cny"
    assert at_stripe.metadata["enrollment_id"] == str(enrollment.id)
    assert at_stripe.client_secret == intent.client_secret
    assert enrollment.payment_intent_id == intent.payment_intent_id


def test_localstripe_webhook_activates_the_enrollment(session, stripe_mode, stripe_client, served):
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=7000))
    intent = deposits.start_deposit(
        session, enrollment, gateway=stripe_mode, pay_from_wallet=False, now=now_utc()
    )
    session.commit()

    assert pay_with(stripe_client, intent.payment_intent_id, "pm_card_visa").status == "succeeded"
    event_id = _event_id(stripe_client)
    serve_until(served, session, lambda: session.get(StripeEvent, event_id) is not None)

    session.refresh(enrollment)
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert held(session, enrollment) == 7000 and cash(session, "CNY") == 7000
    assert session.get(StripeEvent, event_id).status == EventStatus.PROCESSED
    assert reconcile(session, view_from_gateway(stripe_mode)) == []


def _event_id(stripe_client) -> str | None:
    events = stripe_client.v1.events.list(params={"limit": 1}).data
    return events[0].id if events else None


def test_a_declined_card_reaches_the_member_through_the_webhook(session, stripe_mode, stripe_client, served):
    enrollment = make_enrollment(session, open_challenge(session))
    intent = deposits.start_deposit(
        session, enrollment, gateway=stripe_mode, pay_from_wallet=False, now=now_utc()
    )
    session.commit()

    with pytest.raises(stripe.CardError):
        pay_with(stripe_client, intent.payment_intent_id, "pm_card_chargeCustomerFail")
    event_id = _event_id(stripe_client)
    serve_until(served, session, lambda: session.get(StripeEvent, event_id) is not None)

    session.refresh(enrollment)
    assert session.get(StripeEvent, event_id).type == "payment_intent.payment_failed"
    assert enrollment.status == EnrollmentStatus.PENDING_PAYMENT
    assert enrollment.payment_error == "Your card was declined."


def test_withdrawal_refunds_at_stripe_and_reconciles(session, client, stripe_mode, stripe_client, app):
    from tests.payments.helpers import deliver, succeeded

    member = make_member(session)
    for deposit in (3000, 5000):
        enrollment = make_enrollment(session, open_challenge(session, deposit_minor=deposit), member)
        intent = deposits.start_deposit(
            session, enrollment, gateway=stripe_mode, pay_from_wallet=False, now=now_utc()
        )
        enrollment.status = EnrollmentStatus.CANCELLED  # both arrive late: into the wallet
        session.commit()
        pay_with(stripe_client, intent.payment_intent_id, "pm_card_visa")
        # localstripe's own delivery is covered above; here the same event is built and signed
        assert deliver(client, succeeded(enrollment)).status_code == 200
    assert wallet(session, member.id, "CNY") == 8000

    withdrawal = withdrawals.request_withdrawal(
        session, member, amount_minor=6000, currency="CNY", now=now_utc()
    )
    session.commit()
    withdrawals.send_withdrawal_refunds(session, withdrawal.id, gateway=stripe_mode, now=now_utc())
    session.commit()

    refunds = withdrawals.withdrawal_refunds(session, withdrawal)
    assert [r.amount_minor for r in refunds] == [5000, 1000]
    assert all(r.status == RefundStatus.SUCCEEDED and r.refund_id.startswith("re_") for r in refunds)
    at_stripe = {r.id: (r.amount, r.metadata["streakpot_key"]) for r in stripe_client.v1.refunds.list().data}
    assert at_stripe == {r.refund_id: (r.amount_minor, r.key) for r in refunds}
    assert cash(session, "CNY") == 2000 and wallet(session, member.id, "CNY") == 2000
    assert reconcile(session, view_from_gateway(stripe_mode)) == []

    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0 and "no differences" in result.output


def test_reconcile_lists_what_stripe_did_that_the_books_lack(
    session, client, stripe_mode, stripe_client, app
):
    from tests.payments.helpers import deliver, succeeded

    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=3000))
    intent = deposits.start_deposit(
        session, enrollment, gateway=stripe_mode, pay_from_wallet=False, now=now_utc()
    )
    session.commit()
    pay_with(stripe_client, intent.payment_intent_id, "pm_card_visa")
    deliver(client, succeeded(enrollment))
    # Money Stripe moved that never reached us: a payment whose webhook was lost, a dashboard refund.
    lost = stripe_client.v1.payment_intents.create(
        params={"amount": 4200, "currency": "cny", "payment_method": "pm_card_visa", "confirm": True}
    )
    dashboard = stripe_client.v1.refunds.create(
        params={"payment_intent": intent.payment_intent_id, "amount": 500}
    )

    differences = {(d.kind, d.reference) for d in reconcile(session, view_from_gateway(stripe_mode))}

    assert ("payment not recorded", lost.id) in differences
    assert ("refund completed but not booked", dashboard.id) in differences
    assert ("processor cash total differs", "CNY") in differences
    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 1 and lost.id in result.output and dashboard.id in result.output
