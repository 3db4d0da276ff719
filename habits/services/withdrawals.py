"""Withdrawals: taking money out of the wallet as refunds of the member's card charges.

SPEC: "Withdrawal from the wallet refunds the member's earlier deposit charges (newest first,
never more than was charged and not yet refunded). What cannot be refunded stays in the wallet
for future deposits."

Two-phase money out: the withdrawal moves wallet -> refunds pending (``books.withdrawal_key``,
one per charge) and is committed; then its refunds are sent to the processor, whose answer
(``refund_updates``) moves refunds pending -> processor cash (done) or back to the wallet
(failed, refused). ``habits.books`` has the table of what each key moves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.models import Member
from habits.models.payment import (
    LIVE_REFUND_STATUSES,
    Dispute,
    DisputeStatus,
    Payment,
    Refund,
    RefundStatus,
    Withdrawal,
)
from habits.services.errors import HabitsError, InvalidInput
from habits.services.ports import GatewayUnavailable, PaymentGateway, RefundRefused
from habits.services.refund_updates import apply_refund_status, refuse_refund
from habits.services.wallets import NotEnoughInWallet, account_available, lock_wallet

log = logging.getLogger(__name__)


class NothingRefundable(HabitsError):
    """None of the asked amount can go back to a card; it all stays in the wallet."""

    title = "Nothing can be refunded to your card"
    code = "nothing_refundable"


@dataclass(frozen=True)
class RefundPlanLine:
    payment: Payment
    amount_minor: int


def refundable_minor(session: Session, payment: Payment) -> int:
    """What of ``payment`` may still go back to its card: charged minus live refunds; 0 when disputed."""
    disputed = session.scalar(
        select(func.count())
        .select_from(Dispute)
        .where(Dispute.payment_id == payment.id, Dispute.status != DisputeStatus.WON)
    )
    if disputed:
        return 0
    refunded = session.scalar(
        select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
            Refund.payment_id == payment.id, Refund.status.in_(LIVE_REFUND_STATUSES)
        )
    )
    return max(0, payment.amount_minor - int(refunded))


def refund_plan(session: Session, member_id: int, currency: str, amount_minor: int) -> list[RefundPlanLine]:
    """Which charges refund ``amount_minor``: newest first, each at most what it can still give."""
    payments = session.scalars(
        select(Payment)
        .where(Payment.member_id == member_id, Payment.currency == currency)
        .order_by(Payment.paid_at.desc(), Payment.id.desc())
        .with_for_update()
    ).all()
    plan: list[RefundPlanLine] = []
    left = amount_minor
    for payment in payments:
        if left == 0:
            break
        take = min(left, refundable_minor(session, payment))
        if take > 0:
            plan.append(RefundPlanLine(payment, take))
            left -= take
    return plan


def kept_note(kept_minor: int, currency: str) -> str:
    return (
        f"{kept_minor} {currency} minor units stay in your wallet: a card refund can only return what "
        "you paid by card and has not been refunded yet (winnings, and deposits already refunded or "
        "under dispute, cannot go back to a card). You can use it for future deposits."
    )


def request_withdrawal(
    session: Session, member: Member, *, amount_minor: int, currency: str, now: datetime
) -> Withdrawal:
    """Book a withdrawal: wallet -> refunds pending, one refund per charge, newest charge first.

    The part no charge can take back stays in the wallet and the withdrawal's ``note`` says why.
    Raises NotEnoughInWallet when the wallet holds less than asked, NothingRefundable when no
    charge can take any of it. Send the refunds with ``send_refunds`` after committing.
    """
    currency = currency.upper()
    if amount_minor <= 0:
        raise InvalidInput("Withdraw a positive amount.", errors={"amount_minor": ["Must be positive."]})
    wallet = lock_wallet(session, member.id, currency)
    available = account_available(session, wallet)
    if amount_minor > available:
        raise NotEnoughInWallet.for_amounts(available=available, required=amount_minor, currency=currency)
    plan = refund_plan(session, member.id, currency, amount_minor)
    refunded = sum(line.amount_minor for line in plan)
    kept = amount_minor - refunded
    if refunded == 0:
        raise NothingRefundable(kept_note(kept, currency), kept_minor=kept)
    withdrawal = Withdrawal(
        member_id=member.id,
        currency=currency,
        requested_minor=amount_minor,
        refunded_minor=refunded,
        kept_minor=kept,
        note=kept_note(kept, currency) if kept else None,
        created_at=now,
    )
    session.add(withdrawal)
    session.flush()
    pending = books.open_account(session, books.refunds_pending(member.id, currency))
    for line in plan:
        payment = line.payment
        key = books.withdrawal_key(withdrawal.id, payment.charge_id or payment.payment_intent_id)
        ledger.post(
            session,
            key=key,
            currency=currency,
            legs=[ledger.Leg(wallet, line.amount_minor), ledger.Leg(pending, -line.amount_minor)],
            memo=f"withdrawal {withdrawal.id}: refund of {payment.payment_intent_id}",
            occurred_at=now,
        )
        session.add(
            Refund(
                key=key,
                payment_id=payment.id,
                withdrawal_id=withdrawal.id,
                member_id=member.id,
                amount_minor=line.amount_minor,
                currency=currency,
                status=RefundStatus.REQUESTED,
                created_at=now,
            )
        )
    session.flush()
    return withdrawal


def refunds_to_send(session: Session, *, withdrawal_id: int | None = None) -> list[Refund]:
    query = select(Refund).where(Refund.status == RefundStatus.REQUESTED).order_by(Refund.id)
    if withdrawal_id is not None:
        query = query.where(Refund.withdrawal_id == withdrawal_id)
    return list(session.scalars(query))


def send_withdrawal_refunds(
    session: Session, withdrawal_id: int, *, gateway: PaymentGateway, now: datetime
) -> list[Refund]:
    """Send the refunds of one withdrawal (after the withdrawal itself was committed)."""
    return send_refunds(
        session, refunds_to_send(session, withdrawal_id=withdrawal_id), gateway=gateway, now=now
    )


def send_due_refunds(session: Session, *, gateway: PaymentGateway, now: datetime) -> list[Refund]:
    """Send every refund still requested (the processor was unreachable, or we crashed before
    sending): the sweep that makes a withdrawal reach the card eventually, never twice."""
    return send_refunds(session, refunds_to_send(session), gateway=gateway, now=now)


def send_refunds(
    session: Session, refunds: list[Refund], *, gateway: PaymentGateway, now: datetime
) -> list[Refund]:
    """Ask the processor for each requested refund (its key is the idempotency key, so resending
    after a crash refunds nothing twice). A refusal puts the amount back in the wallet; an
    unreachable processor leaves the refund requested for the next attempt."""
    for refund in refunds:
        if refund.status != RefundStatus.REQUESTED:
            continue
        payment = session.get(Payment, refund.payment_id)
        try:
            result = gateway.refund(
                payment_intent_id=payment.payment_intent_id,
                amount_minor=refund.amount_minor,
                idempotency_key=refund.key,
                currency=refund.currency,
            )
        except RefundRefused as refused:
            refuse_refund(session, refund, str(refused), now=now)
            continue
        except GatewayUnavailable:
            log.warning("refund %s not sent: the processor is unavailable; it stays requested", refund.key)
            continue
        refund.refund_id = result.refund_id
        refund.sent_at = now
        apply_refund_status(session, refund, result.status, now=now)
    session.flush()
    return refunds


def withdrawal_refunds(session: Session, withdrawal: Withdrawal) -> list[Refund]:
    return list(
        session.scalars(select(Refund).where(Refund.withdrawal_id == withdrawal.id).order_by(Refund.id))
    )
