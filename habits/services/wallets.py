"""Wallets: what the platform owes a member now, and taking it out again as card refunds.

SPEC: "Withdrawal from the wallet refunds the member's earlier deposit charges (newest first,
never more than was charged and not yet refunded). What cannot be refunded stays in the wallet
for future deposits."

Two-phase money out: the withdrawal moves wallet -> refunds pending, then the processor's
answer moves refunds pending -> processor cash (done) or back to the wallet (failed, refused); a
refund made outside Streakpot comes out of the wallet. ``habits.books`` builds each key and has
the table of what each moves.

A refund only moves forward: requested -> pending -> succeeded -> failed, so its events may
arrive in any order, any number of times, and end in the same balances.
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

log = logging.getLogger(__name__)


class NotEnoughInWallet(HabitsError):
    """The wallet holds less than the action needs; ``available_minor`` says how much it holds."""

    title = "Not enough in your wallet"
    code = "not_enough_in_wallet"

    @classmethod
    def for_amounts(cls, *, available: int, required: int, currency: str) -> NotEnoughInWallet:
        return cls(
            f"Your wallet holds {available} {currency} minor units; this needs {required}.",
            available_minor=available,
            required_minor=required,
            currency=currency,
        )


class NothingRefundable(HabitsError):
    """None of the asked amount can go back to a card; it all stays in the wallet."""

    title = "Nothing can be refunded to your card"
    code = "nothing_refundable"


class RefundNotReady(Exception):
    """A refund event arrived before what it refers to was recorded: retry later."""


class RefundUnbookable(Exception):
    """A refund made outside Streakpot that the member's wallet cannot cover: needs a human."""


# -- balances -------------------------------------------------------------------------------


def wallet_account(session: Session, member_id: int, currency: str) -> ledger.Account:
    return books.open_account(session, books.wallet(member_id, currency))


def lock_wallet(session: Session, member_id: int, currency: str) -> ledger.Account:
    """The member's wallet account, locked until commit: one wallet movement at a time."""
    account = wallet_account(session, member_id, currency)
    session.flush()
    session.refresh(account, with_for_update=True)
    return account


def available_minor(session: Session, member_id: int, currency: str) -> int:
    """What the wallet holds (a liability: its ledger balance is negative when we owe)."""
    return -ledger.balance(session, wallet_account(session, member_id, currency))


def account_available(session: Session, account: ledger.Account) -> int:
    """What a liability account holds, as a positive amount."""
    return -ledger.balance(session, account)


# -- withdrawals ----------------------------------------------------------------------------


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
            _refuse(session, refund, str(refused), now=now)
            continue
        except GatewayUnavailable:
            log.warning("refund %s not sent: the processor is unavailable; it stays requested", refund.key)
            continue
        refund.refund_id = result.refund_id
        refund.sent_at = now
        apply_refund_status(session, refund, result.status, now=now)
    session.flush()
    return refunds


# -- refund completion ----------------------------------------------------------------------

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


def _refuse(session: Session, refund: Refund, reason: str, *, now: datetime) -> None:
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
    from habits.services.deposits import payment_by_charge

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


# -- what the member sees ------------------------------------------------------------------


@dataclass(frozen=True)
class WalletEntry:
    at: datetime
    currency: str
    #: from the member's side: positive when money came into the wallet
    amount_minor: int
    memo: str
    key: str


@dataclass(frozen=True)
class WalletView:
    balances: list[dict]
    entries: list[WalletEntry]
    total: int
    page: int
    per_page: int
    withdrawals: list[Withdrawal]


def wallet_view(
    session: Session, member: Member, *, page: int = 1, per_page: int = 20, now: datetime
) -> WalletView:
    """The member's balances per currency (from the ledger) and their wallet entries, newest first."""
    wallets = list(
        session.scalars(
            select(ledger.Account)
            .where(ledger.Account.code.like(books.wallets_like(member.id)))
            .order_by(ledger.Account.currency)
        )
    )
    balances = [{"currency": a.currency, "available_minor": account_available(session, a)} for a in wallets]
    ids = [a.id for a in wallets]
    base = (
        select(ledger.LedgerTransaction, ledger.Posting.amount_minor)
        .join(ledger.Posting, ledger.Posting.transaction_id == ledger.LedgerTransaction.id)
        .where(ledger.Posting.account_id.in_(ids))
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) if ids else 0
    rows = (
        session.execute(
            base.order_by(ledger.LedgerTransaction.occurred_at.desc(), ledger.LedgerTransaction.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        if ids
        else []
    )
    entries = [WalletEntry(tx.occurred_at, tx.currency, -int(amount), tx.memo, tx.key) for tx, amount in rows]
    withdrawals = list(
        session.scalars(
            select(Withdrawal)
            .where(Withdrawal.member_id == member.id)
            .order_by(Withdrawal.id.desc())
            .limit(20)
        )
    )
    return WalletView(balances, entries, int(total or 0), page, per_page, withdrawals)


def withdrawal_refunds(session: Session, withdrawal: Withdrawal) -> list[Refund]:
    return list(
        session.scalars(select(Refund).where(Refund.withdrawal_id == withdrawal.id).order_by(Refund.id))
    )


# -- the habits-level check -----------------------------------------------------------------


def check_processor_cash(session: Session) -> list:
    """Processor cash = confirmed payments - completed refunds - lost disputes, per currency.

    Recomputed from the payment, refund and dispute records and compared with the ledger's
    processor cash balance; one ``ledger.invariants.Violation`` per currency that
    disagrees. (``flask payments reconcile`` compares the same records with the processor.)
    """
    from ledger.invariants import Violation

    expected: dict[str, int] = {}
    for currency, total in session.execute(
        select(Payment.currency, func.sum(Payment.amount_minor)).group_by(Payment.currency)
    ):
        expected[currency] = expected.get(currency, 0) + int(total)
    for currency, total in session.execute(
        select(Refund.currency, func.sum(Refund.amount_minor))
        .where(Refund.status == RefundStatus.SUCCEEDED)
        .group_by(Refund.currency)
    ):
        expected[currency] = expected.get(currency, 0) - int(total)
    for currency, total in session.execute(
        select(Dispute.currency, func.sum(Dispute.frozen_minor))
        .where(Dispute.status == DisputeStatus.LOST)
        .group_by(Dispute.currency)
    ):
        expected[currency] = expected.get(currency, 0) - int(total)
    actual: dict[str, int] = {}
    for account in session.scalars(
        select(ledger.Account).where(ledger.Account.code.like(books.processor_cash_like()))
    ):
        actual[account.currency] = ledger.balance(session, account)
    problems = []
    for currency in sorted(set(expected) | set(actual)):
        want, have = expected.get(currency, 0), actual.get(currency, 0)
        if want != have:
            problems.append(
                Violation(
                    "processor_cash",
                    f"processor cash {currency} is {have} in the ledger, but confirmed payments - "
                    f"completed refunds - lost disputes = {want}",
                    books.processor_cash(currency).code,
                )
            )
    return problems
