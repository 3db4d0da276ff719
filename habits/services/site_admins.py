"""Site administrators: the operator's people, who decide payouts (SPEC, "Who sees what").

Granted and revoked only from the command line (``flask admin grant EMAIL``): whoever runs
commands on the server already holds the keys, so no page can make an administrator.
Everything an administrator may see answers 404 to anyone else, as if it did not exist.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.models import Member
from habits.services.errors import NotFound
from habits.services.members import normalize_email


def is_site_admin(member: Member | None) -> bool:
    return bool(member is not None and member.is_admin)


def require_site_admin(member: Member | None) -> Member:
    """``member`` when it is a site administrator; NotFound (404) for anyone else."""
    if not is_site_admin(member):
        raise NotFound("Not found.")
    return member


def _by_email(session: Session, email: str) -> Member:
    member = session.scalar(select(Member).where(Member.email == normalize_email(email)))
    if member is None:
        raise NotFound(f"No member is registered with {normalize_email(email)}.")
    return member


def grant_admin(session: Session, *, email: str, now: datetime) -> Member:
    """Make the member with ``email`` a site administrator (again: no change)."""
    member = _by_email(session, email)
    member.is_admin = True
    session.flush()
    return member


def revoke_admin(session: Session, *, email: str, now: datetime) -> Member:
    """The member with ``email`` is no site administrator any more (already not: no change)."""
    member = _by_email(session, email)
    member.is_admin = False
    session.flush()
    return member


def site_admins(session: Session) -> list[Member]:
    return list(session.scalars(select(Member).where(Member.is_admin.is_(True)).order_by(Member.id)))
