"""Day 0's opening: enrollment closes, the unpaid and the late are cancelled, the challenge starts
or is cancelled, and every deposit that does not take part goes back to its wallet."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.books import OpenStep
from habits.domain.calendar import due_at
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Challenge, ChallengeStatus, Enrollment
from habits.services.notifications import events as notifications
from habits.services.settlement.errors import SettlementError
from habits.services.settlement.outcomes import union_legs
from habits.services.squads import placing as squads
from ledger import tables

log = logging.getLogger(__name__)

S = EnrollmentStatus


def open_day_zero(session: Session, challenge: Challenge, *, now: datetime) -> None:
    """Close enrollment at day 0's window: cancel the unpaid and the late, then start or cancel.

    SPEC: an enrollment takes part from day 0 if its deposit was confirmed before day 0's window
    opens; one still ``pending_payment`` is ``cancelled``; a deposit confirmed at or after the
    opening (the webhook raced the opening) goes back to the member's wallet and the enrollment
    is ``cancelled``; a member who quit before the opening gets the whole deposit back; and with
    fewer than ``min_participants`` active enrollments the challenge is cancelled with every
    deposit back in full to the wallets. The caller holds the challenge's row lock.
    """
    if challenge.status != ChallengeStatus.ENROLLING:
        return
    opens_at = challenge.day_zero_opens_at
    if now < opens_at:
        raise SettlementError(f"day 0 of challenge {challenge.id} opens at {opens_at.isoformat()}")
    ch = challenge.id
    e = Enrollment.__table__
    session.execute(
        update(e).where(e.c.challenge_id == ch, e.c.status == S.PENDING_PAYMENT).values(status=S.CANCELLED)
    )
    late = late_deposit_enrollments(ch, opens_at)
    _refund_held(
        session, challenge, late, step=OpenStep.LATE_DEPOSITS, memo="deposit arrived after day 0", now=now
    )
    session.execute(update(e).where(e.c.id.in_(late)).values(status=S.CANCELLED))
    early_quits = early_quit_enrollments(ch, opens_at)
    _refund_held(
        session, challenge, early_quits, step=OpenStep.EARLY_QUITS, memo="quit before day 0", now=now
    )

    active = select(e.c.id).where(e.c.challenge_id == ch, e.c.status == S.ACTIVE)
    count = session.scalar(select(func.count()).select_from(active.subquery()))
    if count < challenge.min_participants:
        notifications.challenge_cancelled(session, challenge, active, now=now)
        _refund_held(
            session, challenge, active, step=OpenStep.CANCEL_REFUNDS, memo="too few participants", now=now
        )
        session.execute(
            update(e).where(e.c.challenge_id == ch, e.c.status == S.ACTIVE).values(status=S.CANCELLED)
        )
        challenge.status = ChallengeStatus.CANCELLED
        challenge.next_due_at = None
        log.info(
            "challenge %s cancelled at day 0: %s active of %s needed", ch, count, challenge.min_participants
        )
    else:
        challenge.status = ChallengeStatus.RUNNING
        challenge.next_due_at = due_at(challenge.schedule(), 0, challenge.review_minutes)
        squads.place_at_day_zero(session, challenge, now=now)
    session.flush()


def _refund_held(
    session: Session, challenge: Challenge, enrollment_ids, *, step: OpenStep, memo: str, now: datetime
) -> None:
    """Move the whole held balance of each selected enrollment back to its wallet (one transaction).

    Dated ``now``, when the sweep opened day 0: a late deposit may be dated after the opening
    instant itself, and a held deposit is never paid back before it was paid in.
    """
    # Nothing to give back (the usual case for late deposits and early quits) writes nothing.
    ledger.post_from_select(
        session,
        key=books.open_key(challenge.id, step),
        currency=challenge.currency,
        memo=f"challenge {challenge.id}: {memo}",
        occurred_at=now,
        legs=held_to_wallet_legs(enrollment_ids),
    )


def late_deposit_enrollments(challenge_id: int, opens_at):
    """Active enrollments whose deposit transaction is dated at or after day 0's opening."""
    e, t = Enrollment.__table__, tables.transactions()
    deposit_key = books.deposit_key_sql(e.c.id)
    return select(e.c.id).where(
        e.c.challenge_id == challenge_id,
        e.c.status == S.ACTIVE,
        select(t.c.id).where(t.c.key == deposit_key, t.c.occurred_at >= opens_at).exists(),
    )


def early_quit_enrollments(challenge_id: int, opens_at):
    """Enrollments withdrawn before day 0's opening (their deposit is returned in full)."""
    e = Enrollment.__table__
    return select(e.c.id).where(
        e.c.challenge_id == challenge_id,
        e.c.status == S.WITHDRAWN,
        or_(e.c.withdrew_at.is_(None), e.c.withdrew_at < opens_at),
    )


def held_to_wallet_legs(enrollment_ids):
    """Legs moving each selected enrollment's whole (positive) held balance to its wallet."""
    e = Enrollment.__table__
    held = tables.balance_sql(e.c.held_account_id)
    rows = (
        select(e.c.held_account_id, e.c.wallet_account_id, held.label("amount"))
        .where(e.c.id.in_(enrollment_ids))
        .subquery("held")
    )
    positive = rows.c.amount > 0
    return union_legs(
        select(rows.c.held_account_id.label("account_id"), rows.c.amount.label("amount_minor")).where(
            positive
        ),
        select(rows.c.wallet_account_id, -rows.c.amount).where(positive),
    )
