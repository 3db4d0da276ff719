"""Refund updates: what the processor says about a refund, booked once whatever the order.

A refund only moves forward: requested -> pending -> succeeded -> failed, so its events may
arrive in any order, any number of times, and end in the same balances. Completed moves refunds
pending -> processor cash (``books.refund_key``); failed before success goes back to the wallet
(``books.refund_failed_key``), after success comes back from the processor
(``books.refund_reversed_key``); a refusal when sending puts it back in the wallet
(``books.refund_refused_key``); a refund made outside Streakpot comes out of the wallet.
``habits.books`` has the table of what each key moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.models.payment import Refund, RefundStatus
from habits.services.notifications import events as notifications
from habits.services.payment_lookups import payment_by_charge
from habits.services.wallets import account_available, lock_wallet, wallet_account


class RefundNotReady(Exception):
    """A refund event arrived before what it refers to was recorded: retry later."""


class RefundUnbookable(Exception):
    """A refund made outside Streakpot that the member's wallet cannot cover: needs a human."""


_ORDER = {
    RefundStatus.REQUESTED: 0,
    RefundStatus.PENDING: 1,
    RefundStatus.SUCCEEDED: 2,
    RefundStatus.FAILED: 3,
}


def processor_refund_status(status: str | None) -> RefundStatus:
    """Map Stripe's refund status to ours (``requires_action`` and unknowns count as pending)."""
    if status == "succeeded":
        return RefundStatus.SUCCEEDED
    if status in ("failed", "canceled"):
        return RefundStatus.FAILED
    return RefundStatus.PENDING


def apply_refund_status(
    session: Session, refund: Refund, status: str | RefundStatus, *, now: datetime, reason: str | None = None
) -> Refund:
    """Move ``refund`` forward to ``status`` (never back) and book what that means."""
    target = status if isinstance(status, RefundStatus) else processor_refund_status(status)
    current = refund.status
    if _ORDER[target] <= _ORDER[current]:
        return refund
    cash = books.open_account(session, books.processor_cash(refund.currency))
    pending = books.open_account(session, books.refunds_pending(refund.member_id, refund.currency))
    wallet = wallet_account(session, refund.member_id, refund.currency)
    x = refund.amount_minor
    if target == RefundStatus.SUCCEEDED:
        _post(
            session,
            books.refund_key(refund.refund_id),
            refund,
            [(cash, -x), (pending, x)],
            "refund completed",
            now,
        )
        refund.completed_at = now
        notifications.refund_completed(session, refund, now=now)
    elif target == RefundStatus.FAILED and current == RefundStatus.SUCCEEDED:
        _post(
            session,
            books.refund_reversed_key(refund.refund_id),
            refund,
            [(cash, x), (wallet, -x)],
            "refund came back",
            now,
        )
        refund.failure_reason = reason or "the refund failed after it had succeeded"
    elif target == RefundStatus.FAILED:
        _post(
            session,
            books.refund_failed_key(refund.refund_id),
            refund,
            [(pending, x), (wallet, -x)],
            "refund failed",
            now,
        )
        refund.failure_reason = reason or "the refund failed"
        refund.completed_at = now
    refund.status = target
    session.flush()
    return refund


def refuse_refund(session: Session, refund: Refund, reason: str, *, now: datetime) -> None:
    """The processor refused to send ``refund``: its amount goes back to the wallet, the refund fails."""
    pending = books.open_account(session, books.refunds_pending(refund.member_id, refund.currency))
    wallet = wallet_account(session, refund.member_id, refund.currency)
    x = refund.amount_minor
    _post(
        session,
        books.refund_refused_key(refund.key),
        refund,
        [(pending, x), (wallet, -x)],
        "refund refused",
        now,
    )
    refund.status = RefundStatus.FAILED
    refund.failure_reason = reason[:1000]
    refund.completed_at = now


def _post(session, key, refund, legs, what, now) -> None:
    ledger.post(
        session,
        key=key,
        currency=refund.currency,
        legs=[ledger.Leg(account, amount) for account, amount in legs],
        memo=f"{what}: {refund.key}",
        occurred_at=now,
    )


@dataclass(frozen=True)
class RefundUpdate:
    """A refund as a verified event describes it."""

    refund_id: str
    status: str | None
    amount_minor: int
    currency: str
    payment_intent_id: str | None
    charge_id: str | None
    #: ``metadata.streakpot_key``: our key, when we asked for it
    key: str | None
    failure_reason: str | None = None


def record_refund_update(session: Session, update: RefundUpdate, *, now: datetime) -> Refund | None:
    """Apply a processor's news about a refund, once, whatever order it arrives in.

    Our own refunds are found by ``re_...`` id or by our key; a refund made outside Streakpot
    (the dashboard) is booked against the member's wallet once it succeeded. Raises
    RefundNotReady when the refund or its payment is not recorded yet (Stripe retries), and
    RefundUnbookable when the wallet cannot cover an outside refund.
    """
    refund = session.scalar(select(Refund).where(Refund.refund_id == update.refund_id).with_for_update())
    if refund is None and update.key:
        refund = session.scalar(select(Refund).where(Refund.key == update.key).with_for_update())
        if refund is None:
            raise RefundNotReady(f"refund {update.key} ({update.refund_id}) is not recorded yet")
        refund.refund_id = update.refund_id
    if refund is not None:
        return apply_refund_status(session, refund, update.status, now=now, reason=update.failure_reason)
    return _record_outside_refund(session, update, now=now)


def _record_outside_refund(session: Session, update: RefundUpdate, *, now: datetime) -> Refund | None:
    payment = payment_by_charge(
        session, payment_intent_id=update.payment_intent_id, charge_id=update.charge_id
    )
    if payment is None:
        raise RefundNotReady(
            f"refund {update.refund_id} is for payment {update.payment_intent_id or update.charge_id}, "
            "which is not recorded yet"
        )
    if processor_refund_status(update.status) != RefundStatus.SUCCEEDED:
        return None  # only money that actually left is booked; a later event brings it
    wallet = lock_wallet(session, payment.member_id, payment.currency)
    available = account_available(session, wallet)
    if available < update.amount_minor:
        raise RefundUnbookable(
            f"refund {update.refund_id} of {update.amount_minor} was made outside Streakpot and the "
            f"member's wallet holds only {available}: book it by hand"
        )
    refund = Refund(
        key=books.outside_refund_key(update.refund_id),
        refund_id=update.refund_id,
        payment_id=payment.id,
        member_id=payment.member_id,
        amount_minor=update.amount_minor,
        currency=payment.currency,
        status=RefundStatus.SUCCEEDED,
        created_at=now,
        sent_at=now,
        completed_at=now,
    )
    session.add(refund)
    cash = books.open_account(session, books.processor_cash(payment.currency))
    x = update.amount_minor
    _post(
        session,
        books.refund_key(update.refund_id),
        refund,
        [(cash, -x), (wallet, x)],
        "refund made outside",
        now,
    )
    session.flush()
    return refund
