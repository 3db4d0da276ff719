"""The scheduler's pulse: heartbeats it writes, and what /healthz reports about it.

The heartbeat is also evidence: a minute of a check-in window without one is a minute we were
not serving, and a day with too many such minutes is excused (``daymarks.outage_minutes``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habits.domain.calendar import due_at
from habits.domain.instants import rfc3339_utc
from habits.models import Challenge, ChallengeStatus
from habits.models.system import Heartbeat

#: /healthz counts overdue days exactly for at most this many challenges (then says "at least")
OVERDUE_SCAN_LIMIT = 1000


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def record_heartbeat(session: Session, *, now: datetime, settled_days: int = 0) -> None:
    """Mark the UTC minute of ``now`` as served (once, however many runners beat), and add the
    days this runner settled in it."""
    minute = _minute(now)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(Heartbeat)
        .values(minute_at=minute, settled_days=0)
        .on_conflict_do_nothing(index_elements=["minute_at"])
    )
    if settled_days:
        session.execute(
            update(Heartbeat)
            .where(Heartbeat.minute_at == minute)
            .values(settled_days=Heartbeat.settled_days + settled_days)
        )
    session.flush()


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
        select(Heartbeat.minute_at, Heartbeat.settled_days).order_by(Heartbeat.minute_at.desc()).limit(1)
    ).first()
    status = {
        "last_sweep_at": rfc3339_utc(last[0]) if last else None,
        "last_sweep_settled_days": last[1] if last else None,
    }
    status.update(overdue_days(session, now=now))
    return status
