"""What each use case tells its member, called from the use case itself, in its transaction.

One function per event (the use case passes what it just did); the dedupe key names the event,
so a use case that runs twice for one event (a replayed webhook, a repeated decision) tells it
once. A day's settlement tells its members set-based (``habits.services.settlement.notices``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from habits.domain.calendar import day_zero_open, due_at
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import AppealRequest, AppealStatus, Challenge, CheckIn, Enrollment, Member, Payout, Refund
from habits.services.notifications import sql
from habits.services.notifications.store import notify, notify_from_select
from ledger import tables


def check_in_voided(session: Session, checkin: CheckIn, organizer: Member, *, now: datetime) -> None:
    """At once, not with the day's settlement: the member may still ask for an appeal until the
    day is due (its window's close plus the review minutes)."""
    challenge = session.get(Challenge, checkin.challenge_id)
    enrollment = session.get(Enrollment, checkin.enrollment_id)
    notify(
        session,
        recipient_id=enrollment.member_id,
        kind="checkin_voided",
        params={
            "challenge_id": challenge.id,
            "challenge": challenge.title,
            "day_index": checkin.day_index,
            "by": organizer.display_name,
            "reason": checkin.void_reason or "",
            "appeal_until_at": due_at(challenge.schedule(), checkin.day_index, challenge.review_minutes),
        },
        dedupe_key=f"voided:{checkin.id}",
        now=now,
    )


def payment_failed(
    session: Session, enrollment: Enrollment, *, reason: str, event_id: str | None, now: datetime
) -> None:
    """A card attempt for a deposit failed (one notification per processor event)."""
    challenge = session.get(Challenge, enrollment.challenge_id)
    notify(
        session,
        recipient_id=enrollment.member_id,
        kind="payment_failed",
        params={"challenge_id": challenge.id, "challenge": challenge.title, "reason": reason},
        dedupe_key=f"payment_failed:{enrollment.id}:{event_id or now.isoformat()}",
        now=now,
    )


def refund_completed(session: Session, refund: Refund, *, now: datetime) -> None:
    notify(
        session,
        recipient_id=refund.member_id,
        kind="refund_completed",
        params={"amount_minor": refund.amount_minor, "currency": refund.currency},
        dedupe_key=f"refund_completed:{refund.id}",
        now=now,
    )


#: payout action -> the notification kind that tells it
PAYOUT_KINDS = {"approve": "payout_approved", "refuse": "payout_refused", "pay": "payout_paid"}


def payout_decided(session: Session, payout: Payout, action: str, *, now: datetime) -> None:
    """An administrator approved, refused or paid the member's payout (once per action, as the
    audit log keeps it)."""
    notify(
        session,
        recipient_id=payout.member_id,
        kind=PAYOUT_KINDS[action],
        params={
            "payout_id": payout.id,
            "amount_minor": payout.amount_minor,
            "currency": payout.currency,
            "reason": payout.reason or "",
            "reference": payout.reference or "",
        },
        dedupe_key=f"payout_decided:{payout.id}:{action}",
        now=now,
    )


def challenge_cancelled(session: Session, challenge: Challenge, enrollment_ids, *, now: datetime) -> None:
    """Day 0 found too few participants: tell each enrollment of ``enrollment_ids`` (a select of
    ids) what comes back to its wallet, read before it moves (the held balance the refund moves)."""
    e = Enrollment.__table__
    rows = select(
        e.c.member_id.label("recipient_id"),
        literal("challenge_cancelled").label("kind"),
        sql.text_key("cancelled", e.c.id).label("dedupe_key"),
        sql.json_object(
            session,
            challenge_id=challenge.id,
            challenge=challenge.title,
            refunded_minor=tables.balance_sql(e.c.held_account_id),
            currency=challenge.currency,
        ).label("params"),
    ).where(e.c.id.in_(enrollment_ids))
    notify_from_select(session, rows, kinds=["challenge_cancelled"], now=now)


def challenge_starts_tomorrow(session: Session, challenge: Challenge, *, now: datetime) -> None:
    """Tell everyone who joined (paid, or still to pay) that day 0 is tomorrow."""
    e = Enrollment.__table__
    rows = select(
        e.c.member_id.label("recipient_id"),
        literal("challenge_starts_tomorrow").label("kind"),
        sql.text_key("starts", e.c.id).label("dedupe_key"),
        sql.json_object(
            session,
            challenge_id=challenge.id,
            challenge=challenge.title,
            opens_at=day_zero_open(challenge.schedule()),
        ).label("params"),
    ).where(
        e.c.challenge_id == challenge.id,
        e.c.status.in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.PENDING_PAYMENT)),
    )
    notify_from_select(session, rows, kinds=["challenge_starts_tomorrow"], now=now)


#: how much of a comment a notification quotes
EXCERPT = 80


def _feed_params(session: Session, checkin: CheckIn, by: Member) -> dict:
    challenge = session.get(Challenge, checkin.challenge_id)
    return {
        "challenge_id": challenge.id,
        "challenge": challenge.title,
        "day_index": checkin.day_index,
        "check_in_id": checkin.id,
        "by": by.display_name,
    }


def cheered(session: Session, checkin: CheckIn, owner_id: int, cheerer: Member, *, now: datetime) -> None:
    """Once per cheerer and check-in: cheering, taking it back and cheering again tells once."""
    if owner_id == cheerer.id:
        return
    notify(
        session,
        recipient_id=owner_id,
        kind="cheered",
        params=_feed_params(session, checkin, cheerer),
        dedupe_key=f"cheered:{checkin.id}:{cheerer.id}",
        now=now,
    )


def commented(
    session: Session,
    checkin: CheckIn,
    owner_id: int,
    *,
    comment_id: int,
    body: str,
    author: Member,
    mentioned: list[int],
    now: datetime,
) -> None:
    """The check-in's owner is told of the comment; each other member it mentions, of the
    mention (the owner once, as the owner); the author is told nothing."""
    excerpt = body if len(body) <= EXCERPT else body[: EXCERPT - 1] + "…"
    params = {**_feed_params(session, checkin, author), "excerpt": excerpt}
    if owner_id != author.id:
        notify(
            session,
            recipient_id=owner_id,
            kind="commented",
            params=params,
            dedupe_key=f"commented:{comment_id}",
            now=now,
        )
    for member_id in mentioned:
        if member_id in (author.id, owner_id):
            continue
        notify(
            session,
            recipient_id=member_id,
            kind="mentioned",
            params=params,
            dedupe_key=f"mentioned:{comment_id}:{member_id}",
            now=now,
        )


def appeal_decided(
    session: Session,
    challenge: Challenge,
    appeal: AppealRequest,
    member_id: int,
    organizer: Member,
    *,
    now: datetime,
) -> None:
    """The member hears the decision on their appeal, with who decided and why."""
    accepted = appeal.status == AppealStatus.ACCEPTED
    notify(
        session,
        recipient_id=member_id,
        kind="appeal_accepted" if accepted else "appeal_refused",
        params={
            "challenge_id": challenge.id,
            "challenge": challenge.title,
            "day_index": appeal.day_index,
            "by": organizer.display_name,
            "reason": appeal.decision_reason or "",
        },
        dedupe_key=f"appeal_decided:{appeal.id}",
        now=now,
    )
