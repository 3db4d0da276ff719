"""One-time links: issued with a random token shown once (in a mail), stored as its SHA-256,
refused once used, expired, or sent to an address the member no longer has.

``redeem`` marks the link used with a guarded UPDATE (``WHERE used_at IS NULL``), so two
requests racing with one link cannot both pass.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from habits.models import LinkPurpose, Member, OneTimeLink
from habits.services.errors import FieldError, HabitsError

#: bytes of randomness in a token (43 URL-safe characters)
TOKEN_BYTES = 32
#: longer values are never a token of ours (the lookup is skipped)
MAX_TOKEN_LENGTH = 64

UNKNOWN = "link_unknown"
EXPIRED = "link_expired"
USED = "link_used"


class LinkRefused(HabitsError):
    """The link is unknown, expired or used (the field error's code says which): 422 on ``token``."""

    status = 422
    title = "Link not valid"
    code = "link_refused"


_REASONS = {
    UNKNOWN: "This link is not valid: ask for a new one.",
    EXPIRED: "This link has expired: ask for a new one.",
    USED: "This link was already used: ask for a new one.",
}


def refused(reason: str) -> LinkRefused:
    message = _REASONS[reason]
    return LinkRefused(message, errors={"token": [FieldError(reason, message)]}, reason=reason)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_link(
    session: Session, member: Member, *, purpose: LinkPurpose, ttl: timedelta, now: datetime, token: str
) -> OneTimeLink:
    """Store a link for ``token`` (from ``new_token``), mailed to the member's current address."""
    link = OneTimeLink(
        member_id=member.id,
        purpose=purpose,
        token_hash=hash_token(token),
        email=member.email,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(link)
    session.flush()
    return link


def open_links(session: Session, member: Member, *, purpose: LinkPurpose, now: datetime) -> int:
    """How many unused, unexpired links of ``purpose`` the member has."""
    return session.scalar(
        select(func.count())
        .select_from(OneTimeLink)
        .where(
            OneTimeLink.member_id == member.id,
            OneTimeLink.purpose == purpose,
            OneTimeLink.used_at.is_(None),
            OneTimeLink.expires_at > now,
        )
    )


def check_link(
    session: Session, token: object, *, purpose: LinkPurpose, now: datetime
) -> tuple[OneTimeLink, Member]:
    """The link and its member if ``token`` may be used now; LinkRefused otherwise (nothing changes)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise refused(UNKNOWN)
    row = session.execute(
        select(OneTimeLink, Member)
        .join(Member, Member.id == OneTimeLink.member_id)
        .where(OneTimeLink.token_hash == hash_token(token), OneTimeLink.purpose == purpose)
    ).first()
    if row is None:
        raise refused(UNKNOWN)
    link, member = row
    if link.used_at is not None:
        raise refused(USED)
    # a link mailed to an address the member has since left opens nothing
    if now >= link.expires_at or link.email != member.email:
        raise refused(EXPIRED)
    return link, member


def redeem_link(session: Session, token: object, *, purpose: LinkPurpose, now: datetime) -> Member:
    """Use the link once: its member, or LinkRefused (also for the loser of a race)."""
    link, member = check_link(session, token, purpose=purpose, now=now)
    claimed = session.execute(
        update(OneTimeLink)
        .where(OneTimeLink.id == link.id, OneTimeLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise refused(USED)
    session.expire(link)
    return member


def retire_links(session: Session, member: Member, *, purpose: LinkPurpose, now: datetime) -> None:
    """Every unused link of ``purpose`` of the member stops working (one reset ends the others)."""
    session.execute(
        update(OneTimeLink)
        .where(
            OneTimeLink.member_id == member.id,
            OneTimeLink.purpose == purpose,
            OneTimeLink.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
