"""Finding a recorded payment from what a processor event names: its PaymentIntent or its charge.

Deposits (is this payment already recorded?), refunds made outside Streakpot and card disputes
all point at a payment this way; the lookups live below all three so none imports another.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.models.payment import Payment


def payment_by_intent(session: Session, payment_intent_id: str) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.payment_intent_id == payment_intent_id))


def payment_by_charge(session: Session, *, payment_intent_id: str | None, charge_id: str | None):
    """The payment a refund or dispute points at (by PaymentIntent, else by charge)."""
    if payment_intent_id:
        found = payment_by_intent(session, payment_intent_id)
        if found is not None:
            return found
    if charge_id:
        return session.scalar(select(Payment).where(Payment.charge_id == charge_id))
    return None
