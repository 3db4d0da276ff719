"""Signed-in browsers, held on the server so that they can be ended.

A sign-in creates a row and hands the browser a random key (the pages keep it where Flask-Login
keeps a user id: in the signed session cookie and, to stay signed in, in the remember cookie).
A request is signed in while its key's row exists and has not expired. Logout deletes that one
row; a password change or reset deletes every row of the member
(``members.end_every_session``), so copies of old cookies open nothing.

Only the key's SHA-256 is stored, as for API tokens: the key has 256 random bits, so a fast hash
is enough, and a copy of the table signs nobody in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from habits.models import Member, WebSession

#: bytes of randomness in a key (43 URL-safe characters)
KEY_BYTES = 32
#: longer values are never a key of ours (the lookup is skipped)
MAX_KEY_LENGTH = 64
DEFAULT_LIFETIME = timedelta(days=365)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(
    session: Session, member: Member, *, now: datetime, lifetime: timedelta = DEFAULT_LIFETIME
) -> str:
    """A new signed-in session for ``member``; returns its key in clear (the browser's copy).

    The member's expired rows are swept here, so the table holds live sessions only."""
    session.execute(delete(WebSession).where(WebSession.member_id == member.id, WebSession.expires_at <= now))
    key = secrets.token_urlsafe(KEY_BYTES)
    session.add(
        WebSession(member_id=member.id, key_hash=hash_key(key), created_at=now, expires_at=now + lifetime)
    )
    session.flush()
    return key


def member_for_key(session: Session, key: object, *, now: datetime) -> Member | None:
    """The member signed in with ``key``, or None (unknown, ended or expired; or not a key at all:
    a cookie from before sessions were held here carried a member id)."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        return None
    return session.scalar(
        select(Member)
        .join(WebSession, WebSession.member_id == Member.id)
        .where(WebSession.key_hash == hash_key(key), WebSession.expires_at > now)
    )


def end_session(session: Session, key: object, *, now: datetime) -> None:
    """End the session signed in with ``key`` (nothing to do for an unknown key)."""
    if isinstance(key, str) and key and len(key) <= MAX_KEY_LENGTH:
        session.execute(delete(WebSession).where(WebSession.key_hash == hash_key(key)))


def end_all_sessions(session: Session, member: Member, *, now: datetime) -> int:
    """End every signed-in session of ``member``; returns how many there were."""
    result = session.execute(delete(WebSession).where(WebSession.member_id == member.id))
    return result.rowcount or 0
