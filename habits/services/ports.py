"""What the services need from the outside world, as protocols the edges implement.

``habits.payments`` implements ``PaymentGateway`` (Stripe, and the offline demo gateway); services
receive one as an argument and never import stripe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from habits.services.errors import HabitsError


@dataclass(frozen=True)
class DepositIntent:
    payment_intent_id: str
    client_secret: str
    #: offline payment mode only: POST here to pay as a test card would
    offline_confirm_url: str | None = None
    #: the processor's status of the intent ("requires_payment_method", "processing",
    #: "succeeded"...) when it said; None from the offline gateway
    status: str | None = None


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: str  # "pending" | "succeeded" | "failed"


class GatewayUnavailable(HabitsError):
    """The processor could not be reached or failed; nothing was decided, trying again is safe."""

    status = 503
    title = "Payment processor unavailable"
    code = "gateway_unavailable"


class StoreUnavailable(HabitsError):
    """The object store (photos, share cards) could not be reached; nothing was stored, trying
    again later is safe."""

    status = 503
    title = "Storage unavailable"
    code = "store_unavailable"
    retry_after = 30


class RefundRefused(Exception):
    """The processor refused a refund for good (already refunded, disputed, too old...)."""


class PaymentGateway(Protocol):
    def create_deposit_intent(
        self, *, enrollment_id: int, member_id: int, amount_minor: int, currency: str
    ) -> DepositIntent:
        """Create (idempotently, key ``books.deposit_key``) the PaymentIntent for a deposit.

        Raises GatewayUnavailable when the processor cannot answer."""

    def deposit_intent(self, payment_intent_id: str) -> DepositIntent:
        """The intent created earlier (to show its client secret again)."""

    def refund(
        self, *, payment_intent_id: str, amount_minor: int, idempotency_key: str, currency: str | None = None
    ) -> RefundResult:
        """Refund part or all of a captured deposit charge back to the card.

        The same ``idempotency_key`` never refunds twice. Raises RefundRefused when the processor
        refuses for good, GatewayUnavailable when it could not answer (retry with the same key)."""

    def after_commit(self, session, *, now) -> list:
        """Called by an edge once it committed: the offline gateway delivers the signed events it
        queued (a refund's completion) through the webhook path; Stripe's gateway does nothing."""
