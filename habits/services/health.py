"""The service's pulse: the heartbeats its processes write, and what /healthz reports about them.

The minute heartbeat is evidence: a minute of a check-in window without one is a minute nobody
could check in, and a day with too many such minutes is excused (``daymarks.outage_minutes``).
Every process that accepts check-ins (a web node's workers) writes it once a minute
(``habits.observability.heartbeat``); the scheduler only records its own beat and sweep, so a
stopped scheduler excuses nothing. Each process also stamps its node's row, whose age the
metrics report.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habits.domain.calendar import due_at
from habits.domain.instants import rfc3339_utc
from habits.models import Challenge, ChallengeStatus, MailStatus, OutboxMail
from habits.models.system import Heartbeat, NodeHeartbeat

#: /healthz counts overdue days exactly for at most this many challenges (then says "at least")
OVERDUE_SCAN_LIMIT = 1000

WEB, SCHEDULER = "web", "scheduler"


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def record_heartbeat(session: Session, *, now: datetime) -> None:
    """Mark the UTC minute of ``now`` as one in which check-ins could be accepted (once, however
    many processes beat). Only processes that accept check-ins call this."""
    session.execute(
        _insert(session)(Heartbeat)
        .values(minute_at=_minute(now), settled_days=0)
        .on_conflict_do_nothing(index_elements=["minute_at"])
    )
    session.flush()


def record_node_beat(
    session: Session, *, node: str, role: str, now: datetime, settled_days: int | None = None
) -> None:
    """Stamp ``node``'s row for ``role`` with ``now`` (one upsert; the node's processes share it)."""
    values = {"beat_at": now, "settled_days": settled_days}
    session.execute(
        _insert(session)(NodeHeartbeat)
        .values(node=node[:64], role=role, **values)
        .on_conflict_do_update(index_elements=["node", "role"], set_=values)
    )
    session.flush()


def node_beats(session: Session) -> list[tuple[str, str, datetime]]:
    """(node, role, last beat) for every node that ever beat."""
    rows = session.execute(
        select(NodeHeartbeat.node, NodeHeartbeat.role, NodeHeartbeat.beat_at).order_by(
            NodeHeartbeat.role, NodeHeartbeat.node
        )
    )
    return [tuple(row) for row in rows]


def overdue_days(session: Session, *, now: datetime) -> dict:
    """How far behind settlement is: units of work due and not done, and since when.

    A unit is a day due and not settled, or a day 0 whose window opened and that the sweep has
    not opened yet (enrollment still open, unpaid enrollments not cancelled).
    """
    behind = session.scalars(
        select(Challenge)
        .where(
            or_(
                and_(Challenge.status == ChallengeStatus.ENROLLING, Challenge.day_zero_opens_at <= now),
                and_(Challenge.status == ChallengeStatus.RUNNING, Challenge.next_due_at <= now),
            )
        )
        .order_by(Challenge.id)
        .limit(OVERDUE_SCAN_LIMIT)
    ).all()
    count, oldest = 0, None
    for challenge in behind:
        schedule = challenge.schedule()
        since = challenge.next_due_at
        if challenge.status == ChallengeStatus.ENROLLING:
            count += 1
            since = challenge.day_zero_opens_at
        k = challenge.settled_days
        while k < challenge.days and due_at(schedule, k, challenge.review_minutes) <= now:
            count += 1
            k += 1
        oldest = since if oldest is None else min(oldest, since)
    return {
        "overdue_days": count,
        "overdue_since": rfc3339_utc(oldest) if oldest else None,
        "overdue_exact": len(behind) < OVERDUE_SCAN_LIMIT,
    }


def scheduler_status(session: Session, *, now: datetime) -> dict:
    last = session.execute(
        select(NodeHeartbeat.beat_at, NodeHeartbeat.settled_days)
        .where(NodeHeartbeat.role == SCHEDULER)
        .order_by(NodeHeartbeat.beat_at.desc())
        .limit(1)
    ).first()
    status = {
        "last_sweep_at": rfc3339_utc(last[0]) if last else None,
        "last_sweep_settled_days": last[1] if last else None,
    }
    status.update(overdue_days(session, now=now))
    return status


def outbox_backlog(session: Session) -> int:
    """Mails waiting to be sent (queued, or claimed by a relay and not yet answered)."""
    return session.scalar(
        select(func.count()).where(OutboxMail.status.in_((MailStatus.QUEUED, MailStatus.SENDING)))
    )
