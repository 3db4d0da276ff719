"""The sweep: every unit of settlement work due at an instant, one locked challenge at a time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.models import Challenge, ChallengeStatus
from habits.services.settlement.day import settle_next_day
from habits.services.settlement.day_zero import open_day_zero

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    opened: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    #: (challenge_id, day_index) in the order they were settled
    settled: list[tuple[int, int]] = field(default_factory=list)
    #: seconds each settled day took, its commit included (same order as ``settled``)
    settled_seconds: list[float] = field(default_factory=list)
    #: (challenge_id, error) for units that failed and were rolled back
    failed: list[tuple[int, str]] = field(default_factory=list)


def settle_due_days(
    session: Session, *, now: datetime, commit: Callable[[], None], limit: int | None = None
) -> SweepResult:
    """Open every day 0 and settle every day that is due at ``now`` and not settled, in order.

    Unlike other services the sweep ends its own transactions: each unit (one challenge's day 0,
    or one (challenge, day)) is its own all-or-nothing transaction, ended by ``commit`` (the edge
    passes ``db.session.commit``; tests pass their session's). A unit that raises is rolled back,
    logged and skipped until the next sweep, so one broken challenge never blocks the others.
    Running it again, or in many processes at once, settles nothing twice. ``limit`` caps the
    number of units (None: until nothing is due).
    """
    result = SweepResult()
    skip: set[int] = set()
    while limit is None or len(result.opened) + len(result.settled) < limit:
        challenge = _lock_next_due(session, now=now, skip=skip)
        if challenge is None:
            break
        challenge_id = challenge.id
        started = time.perf_counter()
        try:
            if challenge.status == ChallengeStatus.ENROLLING:
                open_day_zero(session, challenge, now=now)
                (result.opened if challenge.status == ChallengeStatus.RUNNING else result.cancelled).append(
                    challenge_id
                )
            else:
                day = settle_next_day(session, challenge, now=now)
                result.settled.append((challenge_id, day.day_index))
            commit()
            if len(result.settled_seconds) < len(result.settled):
                result.settled_seconds.append(time.perf_counter() - started)
        except Exception as exc:
            session.rollback()
            log.exception("settlement of challenge %s failed; the next sweep retries it", challenge_id)
            result.failed.append((challenge_id, f"{type(exc).__name__}: {exc}"))
            skip.add(challenge_id)
    return result


def _lock_next_due(session: Session, *, now: datetime, skip: set[int]) -> Challenge | None:
    """The next challenge with work due, its row locked; rows other runners hold are skipped."""
    opening = (
        select(Challenge)
        .where(Challenge.status == ChallengeStatus.ENROLLING, Challenge.day_zero_opens_at <= now)
        .order_by(Challenge.day_zero_opens_at, Challenge.id)
    )
    settling = (
        select(Challenge)
        .where(Challenge.status == ChallengeStatus.RUNNING, Challenge.next_due_at <= now)
        .order_by(Challenge.next_due_at, Challenge.id)
    )
    for query in (opening, settling):
        if skip:
            query = query.where(Challenge.id.not_in(skip))
        # populate_existing: the row we lock is the row we read, not a stale object in the session
        query = query.limit(1).with_for_update(skip_locked=True).execution_options(populate_existing=True)
        challenge = session.scalars(query).first()
        if challenge is not None:
            return challenge
    return None
