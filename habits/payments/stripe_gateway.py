"""The real gateway: Stripe's API through stripe-python 16 (``StripeClient``, ``v1`` namespace).

``STRIPE_API_BASE`` points it at localstripe in tests. Every request that moves money carries a
deterministic idempotency key (``books.deposit_key``, the refund's own key), so a retry after
a crash or a timeout never charges or refunds twice (Stripe keeps keys for 24 hours; the
database rows are the guard beyond that).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import stripe

from habits import books
from habits.payments.gateway import DepositIntent, GatewayUnavailable, RefundRefused, RefundResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessorPayment:
    payment_intent_id: str
    amount_minor: int
    currency: str  # upper case
    status: str


@dataclass(frozen=True)
class ProcessorRefund:
    refund_id: str
    payment_intent_id: str | None
    amount_minor: int
    currency: str  # upper case
    status: str


def _field(obj, name, default=None):
    """Attribute access that tolerates absent fields (a StripeObject is not a dict since v15)."""
    try:
        return obj[name]
    except (KeyError, AttributeError, TypeError):
        return default


class StripeGateway:
    def __init__(self, secret_key: str, *, api_base: str | None = None, max_network_retries: int = 2):
        base_addresses = {"api": api_base} if api_base else {}
        self.client = stripe.StripeClient(
            secret_key, base_addresses=base_addresses, max_network_retries=max_network_retries
        )

    def create_deposit_intent(
        self, *, enrollment_id: int, member_id: int, amount_minor: int, currency: str
    ) -> DepositIntent:
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": amount_minor,
                    "currency": currency.lower(),
                    "payment_method_types": ["card"],
                    "metadata": {"enrollment_id": str(enrollment_id), "member_id": str(member_id)},
                },
                options={"idempotency_key": books.deposit_key(enrollment_id)},
            )
        except stripe.StripeError as error:
            raise self._unavailable("create the payment", error)
        return DepositIntent(payment_intent_id=intent.id, client_secret=intent.client_secret)

    def deposit_intent(self, payment_intent_id: str) -> DepositIntent:
        try:
            intent = self.client.v1.payment_intents.retrieve(payment_intent_id)
        except stripe.StripeError as error:
            raise self._unavailable("read the payment", error)
        return DepositIntent(payment_intent_id=intent.id, client_secret=intent.client_secret)

    def refund(
        self, *, payment_intent_id: str, amount_minor: int, idempotency_key: str, currency: str | None = None
    ) -> RefundResult:
        try:
            refund = self.client.v1.refunds.create(
                params={
                    "payment_intent": payment_intent_id,
                    "amount": amount_minor,
                    "metadata": {"streakpot_key": idempotency_key},
                },
                options={"idempotency_key": idempotency_key},
            )
        except (stripe.InvalidRequestError, stripe.CardError) as error:
            # 4xx about the refund itself (already refunded, disputed, too large): final.
            raise RefundRefused(error.user_message or str(error))
        except stripe.StripeError as error:
            raise self._unavailable("refund", error)
        return RefundResult(refund_id=refund.id, status=refund.status or "pending")

    def after_commit(self, session, *, now) -> list:
        """Nothing to deliver: Stripe sends its own webhooks."""
        return []

    # -- reconciliation: what the processor says happened --------------------------------------

    def succeeded_payments(self) -> Iterator[ProcessorPayment]:
        page = self.client.v1.payment_intents.list(params={"limit": 100})
        for intent in page.auto_paging_iter():
            if intent.status != "succeeded":
                continue
            received = _field(intent, "amount_received") or intent.amount
            yield ProcessorPayment(intent.id, int(received), intent.currency.upper(), intent.status)

    def refunds(self) -> Iterator[ProcessorRefund]:
        page = self.client.v1.refunds.list(params={"limit": 100})
        for refund in page.auto_paging_iter():
            yield ProcessorRefund(
                refund.id,
                _field(refund, "payment_intent"),
                int(refund.amount),
                refund.currency.upper(),
                refund.status,
            )

    @staticmethod
    def _unavailable(what: str, error: stripe.StripeError) -> GatewayUnavailable:
        log.warning("stripe: could not %s: %s", what, error)
        return GatewayUnavailable(
            f"The payment processor could not {what} just now; nothing was charged twice, try again.",
            processor_error=type(error).__name__,
        )
