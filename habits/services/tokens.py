"""API bearer tokens: issued once in clear, stored only as SHA-256, with expiry and revocation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, and_, select
from sqlalchemy.orm import Session

from habits.models import ApiToken, Member
from habits.services.errors import HabitsError

DEFAULT_TTL_DAYS = 30
#: bytes of randomness in a token (43 URL-safe characters)
TOKEN_BYTES = 32


@dataclass(frozen=True)
class IssuedToken:
    """The token in clear (shown to the client once, never stored) and its row."""

    token: str
    api_token: ApiToken

    @property
    def expires_at(self) -> datetime:
        return self.api_token.expires_at


def hash_token(token: str) -> str:
    """What we store and look up: SHA-256 hex of the token.

    A fast hash is right here (unlike passwords): the token has 256 random bits, so there is
    nothing to brute-force, and the lookup sits on the check-in hot path.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(
    session: Session, member: Member, *, now: datetime, ttl_days: int = DEFAULT_TTL_DAYS, name: str = "api"
) -> IssuedToken:
    """Create a bearer token for ``member`` valid for ``ttl_days``; returns it in clear once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken(
        member_id=member.id,
        token_hash=hash_token(token),
        name=name[:80],
        created_at=now,
        expires_at=now + timedelta(days=ttl_days),
    )
    session.add(row)
    session.flush()
    return IssuedToken(token, row)


def authenticate(session: Session, token: str, *, now: datetime) -> tuple[Member, ApiToken] | None:
    """The member and token row for a bearer token, or None if unknown, expired or revoked."""
    if not token:
        return None
    row = session.execute(
        select(Member, ApiToken)
        .join(ApiToken, ApiToken.member_id == Member.id)
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    member, api_token = row
    if not is_usable(api_token, now=now):
        return None
    return member, api_token


# -- the one rule for a usable token, in Python and in SQL (a test holds the two equal) ---------


def usable(revoked_at: datetime | None, expires_at: datetime, *, now: datetime) -> bool:
    """A token works until it is revoked or expires (at ``expires_at`` it no longer works)."""
    return revoked_at is None and now < expires_at


def usable_sql(api_tokens: Table, now: ColumnElement) -> ColumnElement[bool]:
    """``usable`` as a SQL condition on an ``api_tokens`` table (or alias) at instant ``now``,
    for statements that authenticate inside themselves (the check-in tap)."""
    return and_(api_tokens.c.revoked_at.is_(None), api_tokens.c.expires_at > now)


def is_usable(api_token: ApiToken, *, now: datetime) -> bool:
    return usable(api_token.revoked_at, api_token.expires_at, now=now)


def revoke_token(session: Session, api_token: ApiToken, *, now: datetime) -> None:
    """Revoke a token (idempotent: a revoked token keeps its first revocation instant)."""
    if api_token.revoked_at is None:
        api_token.revoked_at = now
        session.flush()


def revoke_all_tokens(session: Session, member: Member, *, now: datetime) -> int:
    """Revoke every live token of ``member`` (e.g. after a password change); returns how many."""
    rows = session.scalars(
        select(ApiToken).where(ApiToken.member_id == member.id, ApiToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = now
    session.flush()
    return len(rows)


class Unauthenticated(HabitsError):
    """No live token (unknown, expired or revoked): 401."""

    status = 401
    title = "Unauthorized"
    code = "unauthenticated"
