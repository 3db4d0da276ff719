"""Deposits: asking for one (a PaymentIntent, or the wallet), and recording the money when it arrives.

SPEC: "The enrollment becomes ``active`` only when a verified ``payment_intent.succeeded``
webhook (right amount, currency and enrollment) arrives. [...] A member may pay a deposit from
their wallet instead, when it holds enough. [...] money that arrives for [a cancelled
enrollment] later goes to the member's wallet."

Ledger transactions written here: ``deposit:{enrollment}`` (a matching card payment, or paid from
the wallet: it funds the held deposit) and ``stripe-late:{pi}`` (a payment nothing can take: it
goes to the wallet). ``habits.books`` builds them and has the table of what each moves.

A payment is recorded once per PaymentIntent (``payments.payment_intent_id`` is unique), so a
second delivery, or a second event type about the same payment, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.domain.instants import rfc3339_utc
from habits.domain.lifecycle import EnrollmentEvent, EnrollmentStatus, next_status
from habits.models import Challenge, Enrollment
from habits.models.payment import Payment, PaymentUse
from habits.services import terms
from habits.services.errors import EnrollmentClosed, HabitsError, NotFound
from habits.services.notifications import events as notifications
from habits.services.payment_lookups import payment_by_intent
from habits.services.ports import DepositIntent, PaymentGateway
from habits.services.wallets import NotEnoughInWallet, available_minor, lock_wallet


class DepositNotDue(HabitsError):
    """The enrollment is not waiting for a deposit (already paid, cancelled, withdrawn...)."""

    title = "No deposit is due"
    code = "deposit_not_due"


class PaymentNotReady(Exception):
    """A webhook refers to a payment we have not recorded yet: retry later (out-of-order delivery)."""


class PaymentUnmatched(Exception):
    """A verified payment names no enrollment we know: kept for a human and for reconciliation."""


def start_deposit(
    session: Session,
    enrollment: Enrollment,
    *,
    gateway: PaymentGateway,
    pay_from_wallet: bool,
    now: datetime,
) -> DepositIntent | None:
    """Ask for ``enrollment``'s deposit.

    With ``pay_from_wallet`` the deposit moves wallet -> held at once (``books.deposit_key``), the
    enrollment becomes active and None is returned; NotEnoughInWallet (409, with
    ``available_minor``) when the wallet is short. Otherwise a PaymentIntent is created through
    ``gateway`` (idempotency key ``books.deposit_key``), its id stored on the enrollment, and returned
    for the client to confirm; asking again returns the same intent. TermsNotAccepted (409) until
    the member accepted the terms in force (``habits.services.terms``).
    """
    _lock(session, enrollment)
    if enrollment.status != EnrollmentStatus.PENDING_PAYMENT:
        raise DepositNotDue(
            f"This enrollment is {enrollment.status.value}: no deposit is due.",
            enrollment_status=enrollment.status.value,
        )
    challenge = session.get(Challenge, enrollment.challenge_id)
    if now >= challenge.day_zero_opens_at:
        raise EnrollmentClosed(
            "Enrollment closed when day 0's window opened.",
            closed_at=rfc3339_utc(challenge.day_zero_opens_at),
        )
    # prize pools are regulated in places: no deposit before the member accepted the terms in force
    terms.require_accepted(session, enrollment.member_id)
    ensure_enrollment_accounts(session, enrollment)
    if pay_from_wallet:
        pay_deposit_from_wallet(session, enrollment, now=now)
        return None
    if enrollment.payment_intent_id:
        return gateway.deposit_intent(enrollment.payment_intent_id)
    intent = gateway.create_deposit_intent(
        enrollment_id=enrollment.id,
        member_id=enrollment.member_id,
        amount_minor=enrollment.deposit_minor,
        currency=enrollment.currency,
    )
    enrollment.payment_intent_id = intent.payment_intent_id
    session.flush()
    return intent


def pay_deposit_from_wallet(session: Session, enrollment: Enrollment, *, now: datetime) -> None:
    """Move the deposit wallet -> held and activate; NotEnoughInWallet when the wallet is short."""
    wallet = lock_wallet(session, enrollment.member_id, enrollment.currency)
    available = available_minor(session, enrollment.member_id, enrollment.currency)
    if available < enrollment.deposit_minor:
        raise NotEnoughInWallet.for_amounts(
            available=available, required=enrollment.deposit_minor, currency=enrollment.currency
        )
    held = books.open_account(session, books.held_deposit(enrollment.id, enrollment.currency))
    ledger.post(
        session,
        key=books.deposit_key(enrollment.id),
        currency=enrollment.currency,
        legs=[ledger.Leg(wallet, enrollment.deposit_minor), ledger.Leg(held, -enrollment.deposit_minor)],
        memo=f"deposit for enrollment {enrollment.id}, paid from the wallet",
        occurred_at=now,
    )
    enrollment.paid_from_wallet = True
    _activate(enrollment, now=now)
    session.flush()


@dataclass(frozen=True)
class ReceivedPayment:
    """A succeeded PaymentIntent as a verified event describes it."""

    payment_intent_id: str
    charge_id: str | None
    amount_minor: int
    #: upper case
    currency: str
    #: ``metadata.enrollment_id``; None when absent or not a number
    enrollment_id: int | None
    #: Stripe's clock when it succeeded (the event's ``created``)
    paid_at: datetime
    event_id: str


def record_payment(session: Session, received: ReceivedPayment, *, now: datetime) -> Payment:
    """Book a confirmed payment exactly once: it funds the deposit when the enrollment can take it,
    otherwise the member's wallet (with the reason kept on the payment and the enrollment).

    Idempotent by PaymentIntent id. Raises PaymentUnmatched when no enrollment can be found.
    """
    enrollment = None
    if received.enrollment_id is not None:
        enrollment = session.get(
            Enrollment, received.enrollment_id, with_for_update=True, populate_existing=True
        )
    if enrollment is None:
        enrollment = session.scalar(
            select(Enrollment)
            .where(Enrollment.payment_intent_id == received.payment_intent_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if enrollment is None:
        raise PaymentUnmatched(
            f"payment {received.payment_intent_id} names enrollment {received.enrollment_id!r}, "
            "which does not exist"
        )
    if enrollment.payment_intent_id not in (None, received.payment_intent_id):
        # metadata is only a hint: a payment we never asked for this enrollment (another
        # deployment on the same Stripe account sends events naming its own row ids) is not ours
        raise PaymentUnmatched(
            f"payment {received.payment_intent_id} names enrollment {enrollment.id}, "
            f"whose deposit was asked as {enrollment.payment_intent_id}"
        )
    # Checked under the enrollment's lock: another event about the same payment may have won it.
    existing = payment_by_intent(session, received.payment_intent_id)
    if existing is not None:
        return existing
    ensure_enrollment_accounts(session, enrollment)
    challenge = session.get(Challenge, enrollment.challenge_id)
    reason = why_not_payable(enrollment, challenge, received)
    cash = books.open_account(session, books.processor_cash(received.currency))
    # Dated when the processor confirmed it, not when its webhook reached us: settlement judges
    # "confirmed before day 0's window opened" by the ledger's date.
    confirmed_at = min(received.paid_at, now)
    # A matching deposit funds the held deposit; a payment nothing can take is kept in the wallet.
    if reason is None:
        key, used_for = books.deposit_key(enrollment.id), PaymentUse.DEPOSIT
        to_account = enrollment.held_account_id
        memo = f"deposit for enrollment {enrollment.id} ({received.payment_intent_id})"
    else:
        key, used_for = books.late_payment_key(received.payment_intent_id), PaymentUse.WALLET
        to_account = books.open_account(session, books.wallet(enrollment.member_id, received.currency))
        memo = f"payment {received.payment_intent_id} kept in the wallet: {reason}"
    ledger.post(
        session,
        key=key,
        currency=received.currency,
        legs=[ledger.Leg(cash, received.amount_minor), ledger.Leg(to_account, -received.amount_minor)],
        memo=memo,
        occurred_at=confirmed_at,
    )
    if reason is None:
        _activate(enrollment, now=now)
    elif enrollment.payment_intent_id == received.payment_intent_id:
        enrollment.payment_error = f"Your payment arrived but {reason}; it is in your wallet."[:500]
    payment = Payment(
        payment_intent_id=received.payment_intent_id,
        charge_id=received.charge_id,
        enrollment_id=enrollment.id,
        member_id=enrollment.member_id,
        amount_minor=received.amount_minor,
        currency=received.currency,
        used_for=used_for,
        ledger_key=key,
        note=reason,
        event_id=received.event_id,
        paid_at=received.paid_at,
        recorded_at=now,
    )
    session.add(payment)
    session.flush()
    return payment


def why_not_payable(enrollment: Enrollment, challenge: Challenge, received: ReceivedPayment) -> str | None:
    """None when ``received`` is exactly the deposit ``enrollment`` is waiting for, else why not."""
    if enrollment.payment_intent_id != received.payment_intent_id:
        return "it is not the payment this enrollment asked for"
    if enrollment.status != EnrollmentStatus.PENDING_PAYMENT:
        return f"the enrollment was already {enrollment.status.value}"
    if received.currency != enrollment.currency:
        return f"it was in {received.currency}, the deposit is in {enrollment.currency}"
    if received.amount_minor != enrollment.deposit_minor:
        return f"it was {received.amount_minor} minor units, the deposit is {enrollment.deposit_minor}"
    # SPEC: an enrollment takes part if its deposit was confirmed before day 0's window opens.
    if received.paid_at >= challenge.day_zero_opens_at:
        return "enrollment had closed when day 0's window opened"
    return None


def record_payment_failure(
    session: Session, *, payment_intent_id: str, reason: str, now: datetime, event_id: str | None = None
) -> Enrollment | None:
    """A card attempt failed: the enrollment stays pending, with the reason shown to the member.

    A failure that arrives after the payment succeeded (out of order) changes nothing.
    """
    enrollment = session.scalar(
        select(Enrollment)
        .where(Enrollment.payment_intent_id == payment_intent_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if enrollment is None or enrollment.status != EnrollmentStatus.PENDING_PAYMENT:
        return enrollment
    if payment_by_intent(session, payment_intent_id) is not None:
        return enrollment
    enrollment.payment_error = reason[:500]
    session.flush()
    notifications.payment_failed(
        session, enrollment, reason=enrollment.payment_error, event_id=event_id, now=now
    )
    return enrollment


def ensure_enrollment_accounts(session: Session, enrollment: Enrollment) -> None:
    """Open the enrollment's held and wallet accounts once and remember their ids on it."""
    if enrollment.held_account_id is None:
        held = books.open_account(session, books.held_deposit(enrollment.id, enrollment.currency))
        enrollment.held_account_id = held.id
    if enrollment.wallet_account_id is None:
        wallet = books.open_account(session, books.wallet(enrollment.member_id, enrollment.currency))
        enrollment.wallet_account_id = wallet.id


def enrollment_for_intent(session: Session, payment_intent_id: str) -> Enrollment:
    enrollment = session.scalar(select(Enrollment).where(Enrollment.payment_intent_id == payment_intent_id))
    if enrollment is None:
        raise NotFound("No deposit with this payment intent.")
    return enrollment


def _activate(enrollment: Enrollment, *, now: datetime) -> None:
    target = next_status(enrollment.status, EnrollmentEvent.PAYMENT_CONFIRMED)
    if target is None:  # callers checked; a repeat is ignored, never an error
        return
    enrollment.status = target
    enrollment.activated_at = now
    enrollment.payment_error = None


def _lock(session: Session, enrollment: Enrollment) -> None:
    """Serialize payment work on one enrollment (a wallet payment racing a webhook)."""
    session.flush()
    session.refresh(enrollment, with_for_update=True)
