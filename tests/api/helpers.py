"""Helpers for API tests: authenticate without going through the login route."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from habits.models import Member
from habits.services.tokens import issue_token


def auth_headers(
    session: Session, member: Member, *, now: datetime | None = None, ttl_days: int = 30
) -> dict:
    """``{"Authorization": "Bearer <token>"}`` for ``member``, issued (and committed) directly.

    ``now`` defaults to the (possibly time-machine frozen) clock; the token lives ``ttl_days``
    from it. Tests that travel in time issue long-lived tokens from an early instant.
    """
    issued = issue_token(session, member, now=now or datetime.now(UTC), ttl_days=ttl_days)
    session.commit()
    return {"Authorization": f"Bearer {issued.token}"}


def enrollment_row(session: Session, challenge, member: Member, *, status=None, **overrides):
    """An enrollment row without ledger accounts: enough for check-in and authorization tests,
    which never touch money (tests.factories.make_enrollment funds one through the ledger)."""
    from habits.domain.lifecycle import EnrollmentStatus
    from habits.models import Enrollment

    values = {
        "challenge_id": challenge.id,
        "member_id": member.id,
        "status": status or EnrollmentStatus.ACTIVE,
        "deposit_minor": challenge.deposit_minor,
        "currency": challenge.currency,
        "misses": 0,
        "rest_days_used": 0,
        "joined_at": challenge.created_at,
    }
    values.update(overrides)
    enrollment = Enrollment(**values)
    session.add(enrollment)
    session.commit()
    return enrollment
