"""The daily e-mail digest (opt-in: ``members.email_digest``): what the member was told since
their last digest, once a day, from ``DIGEST_HOUR`` in their own zone, through the outbox.

Once per member and local date: the job claims the digest by inserting its
``notification_digests`` row (primary key: member, date) in the same transaction that queues the
mail, so two scheduler processes never both write it, and a failure releases the claim with the
rest. A day with nothing to tell still takes its claim, and sends nothing.

The mail is not transactional: it goes only to a verified address that did not unsubscribe from
it, with a List-Unsubscribe link (``habits.services.mail``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habits.models import MailOptOut, Member, Notification, NotificationDigest
from habits.services.mail import Composer, mail_member
from habits.services.notifications.kinds import IN_DIGEST
from habits.services.notifications.preferences import DIGEST_MAIL_KIND

#: the local hour from which a member's digest of the day is written
DIGEST_HOUR = 8
#: what the first digest covers (there is no earlier one to start from)
FIRST_SPAN = timedelta(days=1)
#: members whose digest one run writes (the job runs again a minute later)
BATCH = 200
#: notifications one digest lists (the newest; the app has them all)
MAX_ITEMS = 50


@dataclass
class DigestResult:
    claimed: list[int] = field(default_factory=list)
    #: member ids whose digest mail was queued (the others had nothing to tell)
    mailed: list[int] = field(default_factory=list)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _wanted():
    """Members who asked for the digest, may get it, and did not unsubscribe since."""
    opted_out = (
        select(MailOptOut.member_id)
        .where(MailOptOut.member_id == Member.id, MailOptOut.kind == DIGEST_MAIL_KIND)
        .exists()
    )
    return and_(Member.email_digest.is_(True), Member.email_verified_at.is_not(None), ~opted_out)


def due_members(session: Session, *, now: datetime, limit: int = BATCH) -> list[tuple[Member, object]]:
    """(member, their local date) whose digest of today is due and not claimed yet."""
    zones = session.scalars(select(Member.timezone).where(_wanted()).distinct()).all()
    found: list[tuple[Member, object]] = []
    for name in sorted(zones):
        local = now.astimezone(_zone(name))
        if local.time() < time(DIGEST_HOUR):
            continue
        claimed = (
            select(NotificationDigest.member_id)
            .where(NotificationDigest.member_id == Member.id, NotificationDigest.digest_date == local.date())
            .exists()
        )
        members = session.scalars(
            select(Member)
            .where(_wanted(), Member.timezone == name, ~claimed)
            .order_by(Member.id)
            .limit(limit)
        ).all()
        found += [(member, local.date()) for member in members]
        limit -= len(members)
        if limit <= 0:
            break
    return found


def claim(session: Session, member: Member, digest_date, *, now: datetime) -> bool:
    """Take the member's digest of ``digest_date``; False when another run has it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = NotificationDigest.__table__
    taken = session.scalar(
        insert(table)
        .values(member_id=member.id, digest_date=digest_date, created_at=now)
        .on_conflict_do_nothing(index_elements=["member_id", "digest_date"])
        .returning(table.c.member_id)
    )
    return taken is not None


def news_for(session: Session, member: Member, *, now: datetime) -> list[Notification]:
    """What the member was told since their previous digest (at most ``MAX_ITEMS``, newest first)."""
    previous = session.scalar(
        select(func.max(NotificationDigest.created_at)).where(
            NotificationDigest.member_id == member.id, NotificationDigest.created_at < now
        )
    )
    since = previous or now - FIRST_SPAN
    return list(
        session.scalars(
            select(Notification)
            .where(
                Notification.recipient_id == member.id,
                Notification.kind.in_(IN_DIGEST),
                Notification.created_at >= since,
                Notification.created_at < now,
            )
            .order_by(Notification.id.desc())
            .limit(MAX_ITEMS)
        )
    )


def write_digest(
    session: Session, member: Member, digest_date, *, composer: Composer, now: datetime
) -> bool | None:
    """Claim and write one member's digest: None when another run claimed it, else whether a
    mail was queued."""
    items = news_for(session, member, now=now)
    if not claim(session, member, digest_date, now=now):
        return None
    if not items:
        return False
    return (
        mail_member(session, member, DIGEST_MAIL_KIND, composer=composer, now=now, notifications=items)
        is not None
    )


def send_due_digests(
    session: Session, *, composer: Composer, now: datetime, commit: Callable[[], None], limit: int = BATCH
) -> DigestResult:
    """Write every digest due at ``now`` (up to ``limit``), one commit per member."""
    result = DigestResult()
    for member, digest_date in due_members(session, now=now, limit=limit):
        mailed = write_digest(session, member, digest_date, composer=composer, now=now)
        commit()
        if mailed is None:
            continue
        result.claimed.append(member.id)
        if mailed:
            result.mailed.append(member.id)
    return result
