"""Payouts: a member asks for winnings to be paid out; a site administrator decides.

SPEC, Payments: a site administrator approves a payout (wallet -> payouts pending), pays it by
their own means and marks it paid with a reference (payouts pending -> processor cash), or
refuses it with a reason (back to the wallet). Each step is a ledger transaction
(``books.payout_key``); approvals need the administrator's password again; every action is a
line of the audit log (``PayoutEvent``). The rules (statuses, what a member may ask for, why
asking moves nothing) are in ``habits.domain.payouts``.

Exactly once: a decision locks the payout's row and reads its status again, so two clicks at
once (or a retried one) post one transaction; the ledger's unique key and the audit log's
unique (payout, action) stand behind it. Locks are taken payout first, then the wallet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

import ledger
from habits import books
from habits.books import PayoutStep
from habits.domain import currencies
from habits.domain.payouts import (
    WAITING_FOR_DECISION,
    PayoutAction,
    PayoutStatus,
    is_repeat,
    next_status,
    payout_ceiling,
)
from habits.models import Member
from habits.models.payment import Payment
from habits.models.payout import Payout, PayoutEvent
from habits.services.errors import FieldError, HabitsError, InvalidInput, NotFound
from habits.services.notifications import events as notifications
from habits.services.site_admins import require_site_admin
from habits.services.wallets import account_available, lock_wallet, wallet_account
from habits.services.withdrawals import refundable_minor

#: the edges' limits on what people type (the API's schema and the pages' forms say the same)
MAX_DESTINATION = 500
MAX_REASON = 500
MAX_REFERENCE = 255


class PayoutOverCeiling(HabitsError):
    """More than only a payout can take: the rest can go back to a card as a withdrawal."""

    title = "More than a payout can take"
    code = "payout_over_ceiling"


class PayoutAlreadyDecided(HabitsError):
    title = "This payout was already decided"
    code = "payout_already_decided"


class PayoutNotApproved(HabitsError):
    title = "This payout is not approved"
    code = "payout_not_approved"


class OwnPayout(HabitsError):
    """Nobody decides their own payout (another site administrator does)."""

    status = 403
    title = "Forbidden"
    code = "own_payout"


class PayoutWalletShort(HabitsError):
    """At the approval the member's wallet holds less than the payout (spent since asking)."""

    title = "The wallet holds less than this payout"
    code = "payout_wallet_short"


class AdminPasswordWrong(InvalidInput):
    code = "admin_password_wrong"


@dataclass(frozen=True)
class PayoutLimits:
    currency: str
    #: what the wallet holds
    available_minor: int
    #: what card refunds (a withdrawal) could still take back
    refundable_minor: int
    #: asked for and waiting for a decision
    requested_minor: int
    #: the most a new payout may be
    ceiling_minor: int


def refundable_total(session: Session, member_id: int, currency: str) -> int:
    """What card refunds could still take back of the member's charges in ``currency``."""
    payments = session.scalars(
        select(Payment).where(Payment.member_id == member_id, Payment.currency == currency)
    )
    return sum(refundable_minor(session, payment) for payment in payments)


def payout_limits(session: Session, member_id: int, currency: str, *, now: datetime) -> PayoutLimits:
    available = account_available(session, wallet_account(session, member_id, currency))
    refundable = refundable_total(session, member_id, currency)
    requested = session.scalar(
        select(func.coalesce(func.sum(Payout.amount_minor), 0)).where(
            Payout.member_id == member_id,
            Payout.currency == currency,
            Payout.status.in_(WAITING_FOR_DECISION),
        )
    )
    ceiling = payout_ceiling(
        available_minor=available, refundable_minor=refundable, requested_minor=int(requested)
    )
    return PayoutLimits(currency, available, refundable, int(requested), ceiling)


def _text(value: str | None, field: str, *, maximum: int, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(
                f"Say what the {field} is.", errors={field: [FieldError(f"{field}_blank", "Required.")]}
            )
        return None
    if len(text) > maximum:
        message = f"At most {maximum} characters."
        raise InvalidInput(message, errors={field: [FieldError(f"{field}_too_long", message, max=maximum)]})
    return text


def _log(session: Session, payout: Payout, action: PayoutAction, actor: Member, now: datetime, **fields):
    session.add(PayoutEvent(payout_id=payout.id, action=action, actor_id=actor.id, at=now, **fields))
    session.flush()


def request_payout(
    session: Session, member: Member, *, amount_minor: int, currency: str, destination: str, now: datetime
) -> Payout:
    """Ask for ``amount_minor`` to be paid to ``destination``: nothing moves until an approval.

    PayoutOverCeiling (409) when it is more than only a payout can take (``payout_limits``).
    """
    if not currencies.is_currency(currency):
        message = "Not a currency we take."
        raise InvalidInput(message, errors={"currency": [FieldError("unknown_currency", message)]})
    if amount_minor <= 0:
        raise InvalidInput("Ask for a positive amount.", errors={"amount_minor": ["Must be positive."]})
    destination = _text(destination, "destination", maximum=MAX_DESTINATION, required=True)
    lock_wallet(session, member.id, currency)  # two requests at once never promise the same money
    limits = payout_limits(session, member.id, currency, now=now)
    if amount_minor > limits.ceiling_minor:
        raise PayoutOverCeiling(
            f"A payout can take at most {limits.ceiling_minor} {currency} minor units now: of the "
            f"{limits.available_minor} in your wallet, {limits.refundable_minor} can go back to your "
            f"cards as a withdrawal and {limits.requested_minor} is already asked for.",
            ceiling_minor=limits.ceiling_minor,
            available_minor=limits.available_minor,
            refundable_minor=limits.refundable_minor,
            requested_minor=limits.requested_minor,
            currency=currency,
        )
    payout = Payout(
        member_id=member.id,
        currency=currency,
        amount_minor=amount_minor,
        destination=destination,
        status=PayoutStatus.REQUESTED,
        requested_at=now,
    )
    session.add(payout)
    session.flush()
    _log(session, payout, PayoutAction.REQUEST, member, now)
    return payout


# -- decisions (site administrators) -----------------------------------------------------------


def _locked(session: Session, payout_id: int) -> Payout:
    """The payout, its row locked until commit and its status read afresh."""
    payout = session.scalar(
        select(Payout)
        .where(Payout.id == payout_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payout is None:
        raise NotFound("No such payout.")
    return payout


def _may_decide(payout: Payout, admin: Member, action: PayoutAction, *, same_as_before: bool) -> bool:
    """True when ``action`` is to be done now; False for a repeat of what was done (a no-op)."""
    if payout.member_id == admin.id:
        raise OwnPayout("Nobody decides their own payout: another site administrator does.")
    if is_repeat(payout.status, action):
        if same_as_before:
            return False
        raise PayoutAlreadyDecided(
            f"This payout is already {payout.status.value}.", payout_status=payout.status.value
        )
    if next_status(payout.status, action) is None:
        if action == PayoutAction.PAY and payout.status == PayoutStatus.REQUESTED:
            raise PayoutNotApproved(
                "Approve this payout before marking it paid.", payout_status=payout.status.value
            )
        raise PayoutAlreadyDecided(
            f"This payout is already {payout.status.value}.", payout_status=payout.status.value
        )
    return True


def _post(session: Session, payout: Payout, step: PayoutStep, legs, now: datetime) -> str:
    key = books.payout_key(payout.id, step)
    ledger.post(
        session,
        key=key,
        currency=payout.currency,
        legs=legs,
        memo=f"payout {payout.id}: {step.value}",
        occurred_at=now,
    )
    return key


def _pending(session: Session, payout: Payout) -> ledger.Account:
    return books.open_account(session, books.payouts_pending(payout.member_id, payout.currency))


def approve_payout(
    session: Session, payout_id: int, *, admin: Member, password: str, note: str | None = None, now: datetime
) -> Payout:
    """Approve: wallet -> payouts pending. The administrator's password is checked first
    (AdminPasswordWrong, 422); a wallet that holds less now is PayoutWalletShort (409)."""
    require_site_admin(admin)
    note = _text(note, "reason", maximum=MAX_REASON, required=False)
    if not check_password_hash(admin.password_hash, password or ""):
        raise AdminPasswordWrong(
            "Your password is not right.",
            errors={"password": [FieldError("current_password_wrong", "The current password is not right.")]},
        )
    payout = _locked(session, payout_id)
    if not _may_decide(payout, admin, PayoutAction.APPROVE, same_as_before=True):
        return payout
    wallet = lock_wallet(session, payout.member_id, payout.currency)
    available = account_available(session, wallet)
    if available < payout.amount_minor:
        raise PayoutWalletShort(
            f"The member's wallet holds {available} {payout.currency} minor units; this payout needs "
            f"{payout.amount_minor}. Refuse it with that reason.",
            available_minor=available,
            required_minor=payout.amount_minor,
            currency=payout.currency,
        )
    amount, pending = payout.amount_minor, _pending(session, payout)
    legs = [ledger.Leg(wallet, amount), ledger.Leg(pending, -amount)]
    key = _post(session, payout, PayoutStep.APPROVE, legs, now)
    payout.status, payout.decided_at, payout.decided_by_id = PayoutStatus.APPROVED, now, admin.id
    payout.reason = note
    _log(session, payout, PayoutAction.APPROVE, admin, now, reason=note, ledger_key=key)
    notifications.payout_decided(session, payout, "approve", now=now)
    return payout


def refuse_payout(session: Session, payout_id: int, *, admin: Member, reason: str, now: datetime) -> Payout:
    """Refuse with a reason: nothing moves for a payout still requested; an approved one goes
    back from payouts pending to the wallet."""
    require_site_admin(admin)
    reason = _text(reason, "reason", maximum=MAX_REASON, required=True)
    payout = _locked(session, payout_id)
    if not _may_decide(payout, admin, PayoutAction.REFUSE, same_as_before=payout.reason == reason):
        return payout
    key = None
    if payout.status == PayoutStatus.APPROVED:
        amount = payout.amount_minor
        wallet = wallet_account(session, payout.member_id, payout.currency)
        legs = [ledger.Leg(_pending(session, payout), amount), ledger.Leg(wallet, -amount)]
        key = _post(session, payout, PayoutStep.REFUSE, legs, now)
    payout.status, payout.decided_at, payout.decided_by_id = PayoutStatus.REFUSED, now, admin.id
    payout.reason = reason
    _log(session, payout, PayoutAction.REFUSE, admin, now, reason=reason, ledger_key=key)
    notifications.payout_decided(session, payout, "refuse", now=now)
    return payout


def mark_paid(session: Session, payout_id: int, *, admin: Member, reference: str, now: datetime) -> Payout:
    """The operator paid it by their own means: payouts pending -> processor cash, with the
    transfer's ``reference`` (``flask payments reconcile`` lists it to match with the bank)."""
    require_site_admin(admin)
    reference = _text(reference, "reference", maximum=MAX_REFERENCE, required=True)
    payout = _locked(session, payout_id)
    if not _may_decide(payout, admin, PayoutAction.PAY, same_as_before=payout.reference == reference):
        return payout
    amount = payout.amount_minor
    cash = books.open_account(session, books.processor_cash(payout.currency))
    legs = [ledger.Leg(_pending(session, payout), amount), ledger.Leg(cash, -amount)]
    key = _post(session, payout, PayoutStep.PAID, legs, now)
    payout.status, payout.paid_at, payout.paid_by_id = PayoutStatus.PAID, now, admin.id
    payout.reference = reference
    _log(session, payout, PayoutAction.PAY, admin, now, reference=reference, ledger_key=key)
    notifications.payout_decided(session, payout, "pay", now=now)
    return payout


def decide_payout(
    session: Session,
    payout_id: int,
    *,
    admin: Member,
    approve: bool,
    reason: str | None = None,
    password: str | None = None,
    now: datetime,
) -> Payout:
    """``POST /payouts/{id}/decision``: approve (password required) or refuse (reason required)."""
    if approve:
        return approve_payout(session, payout_id, admin=admin, password=password or "", note=reason, now=now)
    return refuse_payout(session, payout_id, admin=admin, reason=reason or "", now=now)
