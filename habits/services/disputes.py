"""Card disputes: freeze the disputed deposit, then release it or let it go with the card network.

SPEC: "``charge.dispute.created`` suspends the enrollment and freezes its held deposit."
Decisions (lifecycle.py has the statuses): a dispute won unfreezes and restores ``active``; a
dispute lost means the frozen money left processor cash, and the enrollment is ``eliminated``.

The ledger moves, one key per step (``habits.books`` builds them and has the table): a dispute
that opens freezes f (held, or wallet, -> frozen); won, it goes back where it came from; lost,
it leaves processor cash; won after the challenge ended, the held deposit is released to the
wallet.

A suspended enrollment ignores the challenge finishing or being cancelled (lifecycle.py); when
its dispute is won afterwards, it catches up here: completed (or cancelled), and whatever its
deposit still holds goes to the wallet, as settlement would have done.

f is what the dispute could freeze when it opened: the held deposit (at most the disputed
amount), or, for a payment that went to the wallet, what the wallet held of it. One dispute
row per ``dp_...`` id makes the second ``created`` a no-op, and a ``closed`` that arrives
first opens the dispute itself, so every delivery order ends in the same balances.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.books import DisputeStep
from habits.domain.lifecycle import EnrollmentEvent, EnrollmentStatus, next_status
from habits.models import Challenge, ChallengeStatus, Enrollment
from habits.models.payment import Dispute, DisputeStatus, PaymentUse
from habits.services.deposits import PaymentNotReady
from habits.services.payment_lookups import payment_by_charge
from habits.services.wallets import account_available, lock_wallet

#: Stripe's closed statuses that give the money back to us (an inquiry closed without a chargeback)
WON_STATUSES = frozenset({"won", "warning_closed"})
LOST_STATUSES = frozenset({"lost"})


@dataclass(frozen=True)
class DisputeNews:
    """A dispute as a verified event describes it."""

    dispute_id: str
    payment_intent_id: str | None
    charge_id: str | None
    amount_minor: int
    currency: str
    status: str
    reason: str | None = None


def open_dispute(session: Session, news: DisputeNews, *, now: datetime) -> Dispute:
    """Record the dispute once: freeze the deposit (or the wallet money it paid) and suspend.

    Raises PaymentNotReady when the disputed payment is not recorded yet (Stripe retries)."""
    existing = session.scalar(select(Dispute).where(Dispute.dispute_id == news.dispute_id).with_for_update())
    if existing is not None:
        return existing
    payment = payment_by_charge(session, payment_intent_id=news.payment_intent_id, charge_id=news.charge_id)
    if payment is None:
        raise PaymentNotReady(
            f"dispute {news.dispute_id} is about {news.payment_intent_id or news.charge_id}, "
            "which is not recorded yet"
        )
    enrollment = session.get(Enrollment, payment.enrollment_id, with_for_update=True, populate_existing=True)
    source, frozen_from = _source(session, payment, enrollment)
    frozen_amount = min(news.amount_minor, account_available(session, source))
    frozen = books.open_account(session, books.frozen_deposit(enrollment.id, payment.currency))
    if frozen_amount > 0:
        ledger.post(
            session,
            key=books.dispute_key(news.dispute_id, DisputeStep.FREEZE),
            currency=payment.currency,
            legs=[ledger.Leg(source, frozen_amount), ledger.Leg(frozen, -frozen_amount)],
            memo=f"dispute {news.dispute_id} on {payment.payment_intent_id}: {frozen_from} frozen",
            occurred_at=now,
        )
    if frozen_from == "held":
        _move(enrollment, EnrollmentEvent.DISPUTE_OPENED)
    dispute = Dispute(
        dispute_id=news.dispute_id,
        payment_id=payment.id,
        enrollment_id=enrollment.id,
        amount_minor=news.amount_minor,
        currency=payment.currency,
        frozen_minor=frozen_amount,
        frozen_from=frozen_from,
        status=DisputeStatus.OPEN,
        reason=(news.reason or None) and news.reason[:100],
        opened_at=now,
    )
    session.add(dispute)
    session.flush()
    return dispute


def close_dispute(session: Session, news: DisputeNews, *, now: datetime) -> Dispute:
    """Settle the dispute once: won -> unfreeze (back to active), lost -> the money leaves."""
    dispute = open_dispute(session, news, now=now)
    if dispute.status != DisputeStatus.OPEN:
        return dispute
    if news.status not in WON_STATUSES | LOST_STATUSES:
        return dispute  # still under review: nothing to settle yet
    payment_currency = dispute.currency
    enrollment = session.get(Enrollment, dispute.enrollment_id, with_for_update=True, populate_existing=True)
    frozen = books.open_account(session, books.frozen_deposit(enrollment.id, payment_currency))
    f = dispute.frozen_minor
    won = news.status in WON_STATUSES
    step = DisputeStep.WON if won else DisputeStep.LOST
    memo = "won: unfrozen" if won else "lost: the frozen deposit left processor cash"
    # Won: the frozen money goes back where it came from. Lost: it left us through the card network.
    if not won:
        back = books.open_account(session, books.processor_cash(payment_currency))
    elif dispute.frozen_from == "held":
        back = books.open_account(session, books.held_deposit(enrollment.id, payment_currency))
    else:
        back = lock_wallet(session, enrollment.member_id, payment_currency)
    if f > 0:
        ledger.post(
            session,
            key=books.dispute_key(dispute.dispute_id, step),
            currency=payment_currency,
            legs=[ledger.Leg(frozen, f), ledger.Leg(back, -f)],
            memo=f"dispute {dispute.dispute_id} {memo}",
            occurred_at=now,
        )
    dispute.status = DisputeStatus.WON if won else DisputeStatus.LOST
    if dispute.frozen_from == "held":
        _move(enrollment, EnrollmentEvent.DISPUTE_WON if won else EnrollmentEvent.DISPUTE_LOST)
        if won:
            _catch_up_with_the_challenge(session, dispute, enrollment, now=now)
    dispute.closed_at = now
    session.flush()
    return dispute


def _catch_up_with_the_challenge(session: Session, dispute: Dispute, enrollment: Enrollment, *, now) -> None:
    """Re-apply what happened while the enrollment sat suspended (lifecycle.py leaves it to us):
    a challenge that finished meanwhile completes it, one cancelled meanwhile cancels it; either
    way the deposit it still holds (the days it sat out, or all of it) goes to the wallet."""
    if enrollment.status != EnrollmentStatus.ACTIVE:
        return
    challenge = session.get(Challenge, enrollment.challenge_id)
    if challenge.status == ChallengeStatus.COMPLETED:
        event, memo = EnrollmentEvent.FINISHED, "the challenge finished meanwhile"
    elif challenge.status == ChallengeStatus.CANCELLED:
        event, memo = (
            EnrollmentEvent.CHALLENGE_CANCELLED,
            "the challenge was cancelled meanwhile: deposit back",
        )
    else:
        return  # still enrolling or running: settlement takes it from here
    held = books.open_account(session, books.held_deposit(enrollment.id, enrollment.currency))
    left = account_available(session, held)
    if left > 0:
        wallet = books.open_account(session, books.wallet(enrollment.member_id, enrollment.currency))
        ledger.post(
            session,
            key=books.dispute_key(dispute.dispute_id, DisputeStep.RELEASE),
            currency=enrollment.currency,
            legs=[ledger.Leg(held, left), ledger.Leg(wallet, -left)],
            memo=f"dispute {dispute.dispute_id} won after {memo}: what the deposit holds comes back",
            occurred_at=now,
        )
    _move(enrollment, event)
    if event == EnrollmentEvent.FINISHED:
        enrollment.ended_day_index = challenge.days - 1


def _source(session: Session, payment, enrollment: Enrollment):
    if payment.used_for == PaymentUse.DEPOSIT:
        return books.open_account(session, books.held_deposit(enrollment.id, payment.currency)), "held"
    return lock_wallet(session, enrollment.member_id, payment.currency), "wallet"


def _move(enrollment: Enrollment, event: EnrollmentEvent) -> None:
    target = next_status(enrollment.status, event)
    if target is not None:  # an ignored transition (repeat, out of order) changes nothing
        enrollment.status = target
