"""Helpers for API tests: authenticate without going through the login route."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from habits.models import Member
from habits.services.tokens import issue_token


def auth_headers(session: Session, member: Member, *, now: datetime | None = None) -> dict:
    """``{"Authorization": "Bearer <token>"}`` for ``member``, issued (and committed) directly.

    ``now`` defaults to the (possibly time-machine frozen) clock; the token lives 30 days from it.
    """
    issued = issue_token(session, member, now=now or datetime.now(UTC))
    session.commit()
    return {"Authorization": f"Bearer {issued.token}"}
