"""The offline payment mode (the demo): no processor, yet the production webhook path.

``OfflineGateway`` hands out fake-but-unique PaymentIntent ids and, for each, an
``offline_confirm_url``. Confirming builds the ``payment_intent.succeeded`` event Stripe would
send, signs it with the webhook secret using Stripe's own signing helper, and feeds it to
``process_webhook``, the function behind POST /webhooks/stripe. Refunds work the same way: the
gateway answers ``pending`` and queues a signed ``refund.updated`` (succeeded), which the edge
delivers after it has committed the refund (``deliver_offline_events``), so the refund
completes through the webhook path too.

Event ids are derived from what they confirm (``evt_offline_...`` of the PaymentIntent or the
refund), so confirming twice is a replay that changes nothing, as a real redelivery would be.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import datetime
from secrets import token_hex

import stripe
from sqlalchemy.orm import Session

from habits.models import Enrollment
from habits.payments.gateway import DepositIntent, RefundResult
from habits.payments.webhooks import WebhookOutcome, process_webhook

#: a test card that pays, and one that is declined (Stripe's test payment method names)
CARD_PAYS = "pm_card_visa"
CARD_DECLINED = "pm_card_chargeCustomerFail"
API_VERSION = "2025-01-27.acacia"


def _digest(*parts: str, length: int = 24) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:length]


def offline_confirm_url(payment_intent_id: str) -> str:
    return f"/api/v1/payments/offline/{payment_intent_id}/confirm"


def charge_id_for(payment_intent_id: str) -> str:
    return "ch_offline_" + _digest(payment_intent_id, "charge")


class OfflineGateway:
    """The demo's processor. Thread-safe: queued events are per thread (one request each).

    ``secrets`` are the webhook secrets: it signs with the first, the webhook path verifies."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = list(secrets)
        self._local = threading.local()

    # -- the port ------------------------------------------------------------------------------

    def create_deposit_intent(
        self, *, enrollment_id: int, member_id: int, amount_minor: int, currency: str
    ) -> DepositIntent:
        return self.deposit_intent("pi_offline_" + token_hex(12))

    def deposit_intent(self, payment_intent_id: str) -> DepositIntent:
        return DepositIntent(
            payment_intent_id=payment_intent_id,
            client_secret=f"{payment_intent_id}_secret_{_digest(payment_intent_id, 'secret', length=16)}",
            offline_confirm_url=offline_confirm_url(payment_intent_id),
        )

    def refund(
        self, *, payment_intent_id: str, amount_minor: int, idempotency_key: str, currency: str | None = None
    ) -> RefundResult:
        # One refund per idempotency key, as Stripe promises.
        refund_id = "re_offline_" + _digest(idempotency_key)
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount_minor,
            "currency": (currency or "").lower(),
            "payment_intent": payment_intent_id,
            "charge": charge_id_for(payment_intent_id),
            "metadata": {"streakpot_key": idempotency_key},
            "status": "succeeded",
        }
        self._queue(build_event("refund.updated", refund, event_id="evt_offline_" + _digest(refund_id)))
        return RefundResult(refund_id=refund_id, status="pending")

    # -- events waiting for the edge's commit ---------------------------------------------------

    def _queue(self, event: dict) -> None:
        if not hasattr(self._local, "outbox"):
            self._local.outbox = []
        self._local.outbox.append(event)

    def take_outbox(self) -> list[dict]:
        outbox = getattr(self._local, "outbox", [])
        self._local.outbox = []
        return outbox

    def after_commit(self, session: Session, *, now: datetime) -> list[WebhookOutcome]:
        """Deliver the queued events through the webhook path (call once the edge committed)."""
        return deliver_events(session, self, secrets=self.secrets, now=now)

    # -- the demo's card -----------------------------------------------------------------------

    def confirm_payment(
        self, session: Session, enrollment: Enrollment, *, card: str, now: datetime
    ) -> WebhookOutcome:
        """Pay ``enrollment``'s intent with test ``card``: a signed event through the webhook path."""
        return confirm_offline_payment(session, enrollment, secrets=self.secrets, card=card, now=now)


def build_event(event_type: str, obj: dict, *, event_id: str, created: int | None = None) -> dict:
    """A Stripe event envelope around ``obj``, as Stripe delivers it."""
    return {
        "id": event_id,
        "object": "event",
        "api_version": API_VERSION,
        "created": created if created is not None else int(datetime.now().timestamp()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }


def sign(event: dict, secret: str, *, timestamp: int | None = None) -> tuple[bytes, str]:
    """The body and ``Stripe-Signature`` header Stripe would send for ``event``."""
    payload = json.dumps(event, separators=(",", ":"))
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    return payload.encode(), header


def payment_event(enrollment: Enrollment, *, card: str, now: datetime) -> dict:
    """The event Stripe sends when the member pays ``enrollment``'s intent with ``card``."""
    pi = enrollment.payment_intent_id
    intent = {
        "id": pi,
        "object": "payment_intent",
        "amount": enrollment.deposit_minor,
        "currency": enrollment.currency.lower(),
        "metadata": {"enrollment_id": str(enrollment.id), "member_id": str(enrollment.member_id)},
        "payment_method": card,
        "client_secret": None,
    }
    if card == CARD_DECLINED:
        intent |= {
            "status": "requires_payment_method",
            "amount_received": 0,
            "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
        }
        # every declined attempt is its own event
        return build_event("payment_intent.payment_failed", intent, event_id="evt_offline_" + token_hex(12))
    intent |= {
        "status": "succeeded",
        "amount_received": enrollment.deposit_minor,
        "latest_charge": charge_id_for(pi),
    }
    created = int(now.timestamp())
    return build_event(
        "payment_intent.succeeded",
        intent,
        event_id="evt_offline_" + _digest(pi, "succeeded"),
        created=created,
    )


def confirm_offline_payment(
    session: Session, enrollment: Enrollment, *, secrets: list[str], card: str, now: datetime
) -> WebhookOutcome:
    """Pay ``enrollment``'s intent as a test card would: a signed event through the webhook path."""
    payload, header = sign(
        payment_event(enrollment, card=card, now=now), secrets[0], timestamp=int(now.timestamp())
    )
    return process_webhook(session, payload, header, secrets=secrets, now=now)


def deliver_events(session: Session, gateway, *, secrets: list[str], now: datetime) -> list[WebhookOutcome]:
    """Deliver what the offline gateway queued (after the edge committed), through the webhook path."""
    if not isinstance(gateway, OfflineGateway):
        return []
    outcomes = []
    for event in gateway.take_outbox():
        event["created"] = int(now.timestamp())
        payload, header = sign(event, secrets[0], timestamp=int(now.timestamp()))
        outcomes.append(process_webhook(session, payload, header, secrets=secrets, now=now, gateway=gateway))
    return outcomes
