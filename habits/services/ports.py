"""What the services need from the outside world, as protocols the edges implement.

``habits.payments`` implements ``PaymentGateway`` (Stripe, and the offline demo gateway); services
receive one as an argument and never import stripe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class DepositIntent:
    payment_intent_id: str
    client_secret: str
    #: offline payment mode only: POST here to pay as a test card would
    offline_confirm_url: str | None = None


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: str  # "pending" | "succeeded" | "failed"


class PaymentGateway(Protocol):
    def create_deposit_intent(
        self, *, enrollment_id: int, member_id: int, amount_minor: int, currency: str
    ) -> DepositIntent:
        """Create (idempotently, key ``deposit:{enrollment_id}``) the PaymentIntent for a deposit."""

    def refund(self, *, payment_intent_id: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        """Refund part or all of a captured deposit charge back to the card."""
