"""The real gateway: Stripe's API through stripe-python 16 (``StripeClient``, ``v1`` namespace).

``STRIPE_API_BASE`` points it at localstripe in tests. Every request that moves money carries a
deterministic idempotency key (``books.deposit_key``, the refund's own key), so a retry after
a crash or a timeout never charges or refunds twice (Stripe keeps keys for 24 hours; the
database rows are the guard beyond that).

What a deposit's PaymentIntent accepts is one setting, ``STRIPE_PAYMENT_METHODS``
(``deposit_intent_params``): "automatic" asks for ``automatic_payment_methods`` (the methods
switched on in the Dashboard that suit the currency: cards, and Alipay or WeChat Pay where the
account has them), which production uses; a list asks for exactly those
``payment_method_types``, the only form localstripe takes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import stripe

from habits import books
from habits.config import AUTOMATIC_METHODS
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


def _deposit_intent(intent) -> DepositIntent:
    return DepositIntent(
        payment_intent_id=intent.id, client_secret=intent.client_secret, status=_field(intent, "status")
    )


def _field(obj, name, default=None):
    """Attribute access that tolerates absent fields (a StripeObject is not a dict since v15)."""
    try:
        return obj[name]
    except (KeyError, AttributeError, TypeError):
        return default


def deposit_intent_params(
    *,
    enrollment_id: int,
    member_id: int,
    amount_minor: int,
    currency: str,
    payment_methods: str | list[str] = AUTOMATIC_METHODS,
) -> dict:
    """The PaymentIntent a deposit asks Stripe for, with the methods ``payment_methods`` allows."""
    params: dict = {
        "amount": amount_minor,
        "currency": currency.lower(),
        "metadata": {"enrollment_id": str(enrollment_id), "member_id": str(member_id)},
    }
    if payment_methods == AUTOMATIC_METHODS:
        # the Payment Element shows what the Dashboard switched on (Alipay redirects, hence allowed)
        params["automatic_payment_methods"] = {"enabled": True}
        return params
    params["payment_method_types"] = list(payment_methods)
    if "wechat_pay" in payment_methods:
        # Stripe needs to know where WeChat Pay is paid from: a browser shows its QR code
        params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
    return params


class StripeGateway:
    def __init__(
        self,
        secret_key: str,
        *,
        api_base: str | None = None,
        max_network_retries: int = 2,
        payment_methods: str | list[str] = AUTOMATIC_METHODS,
        http_client: stripe.HTTPClient | None = None,
    ):
        base_addresses = {"api": api_base} if api_base else {}
        self.payment_methods = payment_methods
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses=base_addresses,
            max_network_retries=max_network_retries,
            http_client=http_client,
        )

    def create_deposit_intent(
        self, *, enrollment_id: int, member_id: int, amount_minor: int, currency: str
    ) -> DepositIntent:
        try:
            intent = self.client.v1.payment_intents.create(
                params=deposit_intent_params(
                    enrollment_id=enrollment_id,
                    member_id=member_id,
                    amount_minor=amount_minor,
                    currency=currency,
                    payment_methods=self.payment_methods,
                ),
                options={"idempotency_key": books.deposit_key(enrollment_id)},
            )
        except stripe.StripeError as error:
            raise self._unavailable("create the payment", error)
        return _deposit_intent(intent)

    def deposit_intent(self, payment_intent_id: str) -> DepositIntent:
        try:
            intent = self.client.v1.payment_intents.retrieve(payment_intent_id)
        except stripe.StripeError as error:
            raise self._unavailable("read the payment", error)
        return _deposit_intent(intent)

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
