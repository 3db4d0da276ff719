"""A table of work rows that relays claim under a lease: the outbox's mail and the push queue.

Each row is ``queued`` until a relay claims it (``claim``) (a fresh ``claim_token`` and ``claimed_at``), then
``sending``; a relay that dies mid-send leaves it ``sending``, and once the lease has run out it is
due again, until its attempts are spent and it is given up. What is due, recording an outcome
under the claim, giving up and purging are the same for every such table; each relay names its
model, its statuses, its lease and how long finished rows are kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from habits.domain.retries import RetryPolicy


@dataclass(frozen=True)
class LeasedRows:
    #: the mapped class: ``id``, ``status``, ``claim_token``, ``claimed_at``, ``attempts``,
    #: ``next_attempt_at``, ``last_error``, ``created_at``
    model: Any
    queued: str
    sending: str
    failed: str
    #: statuses of rows nothing will touch again (purged after ``retention``)
    finished: Sequence[str]
    lease: timedelta
    retention: timedelta

    def due(self, now: datetime, policy: RetryPolicy):
        """Rows a relay may claim: queued and due, or left ``sending`` past the lease with an
        attempt left."""
        m = self.model
        waiting = and_(m.status == self.queued, m.next_attempt_at <= now)
        abandoned = and_(
            m.status == self.sending, m.claimed_at <= now - self.lease, m.attempts < policy.max_attempts
        )
        return or_(waiting, abandoned)

    def claim(self, session: Session, *, now: datetime, policy: RetryPolicy, limit: int) -> str:
        """Claim up to ``limit`` due rows for one run (oldest due first), counting one more
        attempt each; returns the run's claim token, which selects them. On PostgreSQL they are
        picked ``FOR UPDATE SKIP LOCKED``, so relays in several processes claim different rows.
        The caller commits before sending."""
        m = self.model
        token = secrets.token_hex(16)
        picked = (
            select(m.id)
            .where(self.due(now, policy))
            .order_by(m.next_attempt_at, m.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        session.execute(
            update(m)
            .where(m.id.in_(picked.scalar_subquery()))
            .values(status=self.sending, claim_token=token, claimed_at=now, attempts=m.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return token

    def record(self, session: Session, row_id: int, claim_token: str, **values) -> bool:
        """Write an outcome, only while the claim is still ours (another relay may have taken
        the row over after the lease)."""
        m = self.model
        result = session.execute(
            update(m)
            .where(m.id == row_id, m.claim_token == claim_token)
            .values(claim_token=None, claimed_at=None, **values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def give_up_abandoned(self, session: Session, *, now: datetime, policy: RetryPolicy) -> int:
        """Rows left ``sending`` past the lease with no attempt left (relays died on them each
        time) are marked failed rather than sent yet again."""
        m = self.model
        result = session.execute(
            update(m)
            .where(
                m.status == self.sending,
                m.claimed_at <= now - self.lease,
                m.attempts >= policy.max_attempts,
            )
            .values(
                status=self.failed,
                claim_token=None,
                claimed_at=None,
                last_error="the relay stopped while sending it, on every attempt",
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0

    def purge(self, session: Session, *, now: datetime) -> int:
        """Delete finished rows older than ``retention`` (a queue is not an archive)."""
        m = self.model
        result = session.execute(
            delete(m)
            .where(m.status.in_(list(self.finished)), m.created_at < now - self.retention)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0
