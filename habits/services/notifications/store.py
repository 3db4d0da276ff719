"""Recording notifications and queuing their pushes, reading a member's list, marking it read.

A notification is recorded in the caller's transaction: it exists exactly when the event's own
work is committed. Its ``dedupe_key`` is unique and every insert is ``ON CONFLICT DO NOTHING``,
so an event reported twice (a retried webhook, two racing paths) is recorded once. For a kind
that is pushed, the same transaction queues one ``push_deliveries`` row per device of the
recipient; the push relay sends them later, so a slow or broken push service never delays the
event itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CompoundSelect, Select, func, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habits.domain.instants import rfc3339_utc
from habits.models import Member, Notification, PushDelivery, PushStatus, PushSubscription
from habits.services.notifications.kinds import KINDS, PUSHED
from habits.services.notifications.sql import dialect

#: the columns a set-based notification select gives, in order
SELECT_COLUMNS = ("recipient_id", "kind", "dedupe_key", "params")


def _insert(session: Session, table):
    return (postgresql.insert if dialect(session) == "postgresql" else sqlite.insert)(table)


def _plain(params: dict) -> dict:
    """Params as JSON keeps them: instants as RFC 3339 text."""
    return {name: rfc3339_utc(item) if isinstance(item, datetime) else item for name, item in params.items()}


def notify(
    session: Session, *, recipient_id: int, kind: str, params: dict, dedupe_key: str, now: datetime
) -> int | None:
    """Record one notification (and queue its pushes); its id, or None when this event
    (``dedupe_key``) was recorded before."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}: add it to notifications.kinds.KINDS")
    n = Notification.__table__
    statement = (
        _insert(session, n)
        .values(
            recipient_id=recipient_id, kind=kind, params=_plain(params), dedupe_key=dedupe_key, created_at=now
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(n.c.id)
    )
    notification_id = session.scalar(statement)
    if notification_id is not None and kind in PUSHED:
        s = PushSubscription.__table__
        devices = select(literal(notification_id), s.c.id, *_queued_columns(now)).where(
            s.c.member_id == recipient_id
        )
        session.execute(_queue(session, devices))
    return notification_id


def notify_from_select(
    session: Session,
    rows: Select | CompoundSelect,
    *,
    kinds: Iterable[str],
    now: datetime,
    once_by_caller: bool = False,
) -> None:
    """Record a notification for each row of ``rows`` (columns ``SELECT_COLUMNS``: recipient,
    kind, dedupe key, params as SQL JSON) and queue the pushes of those that are pushed: an
    INSERT ... SELECT or two, whatever the number of rows. ``kinds`` lists the kinds the rows may
    have. Rows whose event was recorded before are skipped (and get no new pushes).

    ``once_by_caller``: the caller's own transaction already happens once per event (a settled
    day: its ``day_settlements`` row is unique), so a row recorded before cannot be; the rows are
    then inserted plainly, still under the unique key (a repeat would fail, not pass), without
    the cost of ``ON CONFLICT``'s speculative insertion.
    """
    kinds = set(kinds)
    if unknown := kinds - set(KINDS):
        raise ValueError(f"unknown notification kinds {sorted(unknown)}")
    n = Notification.__table__
    source = rows.subquery("told")

    def record(*where):
        # SQLite parses INSERT ... SELECT ... ON CONFLICT only when the SELECT has a WHERE
        picked = select(*(source.c[name] for name in SELECT_COLUMNS), literal(now, n.c.created_at.type))
        statement = _insert(session, n).from_select(
            [*SELECT_COLUMNS, "created_at"], picked.where(true(), *where)
        )
        return (
            statement if once_by_caller else statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
        )

    pushed = kinds & PUSHED
    if not pushed:
        session.execute(record())
        return
    s = PushSubscription.__table__
    if dialect(session) != "postgresql":
        session.execute(record())
        fresh = select(source.c.dedupe_key).where(source.c.kind.in_(pushed))
        devices = (
            select(n.c.id, s.c.id, *_queued_columns(now))
            .select_from(n.join(s, s.c.member_id == n.c.recipient_id))
            .where(n.c.dedupe_key.in_(fresh), n.c.created_at == now)
        )
        session.execute(_queue(session, devices))
        return
    if kinds - pushed:
        # the kinds that are not pushed (a settled day's bulk) need no RETURNING
        session.execute(record(source.c.kind.not_in(pushed)))
    # the pushed ones in one statement: the rows just inserted (RETURNING) fan out to devices
    new = record(source.c.kind.in_(pushed)).returning(n.c.id, n.c.recipient_id).cte("new_notifications")
    devices = select(new.c.id, s.c.id, *_queued_columns(now)).select_from(
        new.join(s, s.c.member_id == new.c.recipient_id)
    )
    session.execute(_queue(session, devices).add_cte(new))


def _queued_columns(now: datetime):
    d = PushDelivery.__table__
    return (
        literal(PushStatus.QUEUED.value, d.c.status.type),
        literal(0, d.c.attempts.type),
        literal(now, d.c.next_attempt_at.type),
        literal(now, d.c.created_at.type),
    )


def _queue(session: Session, devices: Select):
    d = PushDelivery.__table__
    return (
        _insert(session, d)
        .from_select(
            ["notification_id", "subscription_id", "status", "attempts", "next_attempt_at", "created_at"],
            devices,
        )
        .on_conflict_do_nothing(index_elements=["notification_id", "subscription_id"])
    )


# -- a member's list ----------------------------------------------------------------------------


@dataclass
class NotificationPage:
    items: list[Notification]
    total: int
    page: int
    per_page: int
    unread: int


def _mine(member_id: int, *, unread_only: bool = False):
    where = [Notification.recipient_id == member_id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    return where


def unread_count(session: Session, member_id: int) -> int:
    """How many of the member's notifications are not read yet (the header's count)."""
    return session.scalar(
        select(func.count()).select_from(Notification).where(*_mine(member_id, unread_only=True))
    )


def list_notifications(
    session: Session,
    member: Member,
    *,
    unread_only: bool = False,
    page: int = 1,
    per_page: int = 20,
    now: datetime,
) -> NotificationPage:
    """The member's own notifications, newest first (only theirs: nobody reads another's)."""
    where = _mine(member.id, unread_only=unread_only)
    total = session.scalar(select(func.count()).select_from(Notification).where(*where))
    items = session.scalars(
        select(Notification)
        .where(*where)
        .order_by(Notification.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    unread = total if unread_only else unread_count(session, member.id)
    return NotificationPage(list(items), total, page, per_page, unread)


def mark_read(session: Session, member: Member, *, up_to_id: int, now: datetime) -> int:
    """Mark the member's notifications up to ``up_to_id`` (the newest one they saw) read; the
    unread count afterwards. Others' notifications are never touched, whatever the id."""
    session.execute(
        update(Notification)
        .where(*_mine(member.id, unread_only=True), Notification.id <= up_to_id)
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return unread_count(session, member.id)
