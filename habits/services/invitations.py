"""Personal invitations: each member of a community has one link of their own to hand out.

The link carries a generated code (``habits.domain.invite_codes``), opens the door of an
invitation-only community like the community's own code, and brings in at most the community's
``invite_quota`` people; each use is kept (``InvitationUse``). Who sees an invitation (its QR
code): the member it belongs to and the community's organizers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from habits.domain import invite_codes
from habits.models import Community, Invitation, InvitationUse, Member
from habits.services import visibility
from habits.services.errors import Forbidden, NotFound


def invitation_for(session: Session, community: Community, member: Member, *, now: datetime) -> Invitation:
    """The member's invitation to ``community``, made on first asking (active members only)."""
    visibility.visible_community(session, community.id, member)
    if not visibility.sight(session, member, community.id).member:
        raise Forbidden("Only the community's members hand out invitations to it.")
    found = mine(session, community.id, member.id)
    if found is not None:
        return found
    invitation = Invitation(
        community_id=community.id, member_id=member.id, code=invite_codes.new_code(), created_at=now
    )
    try:
        with session.begin_nested():
            session.add(invitation)
    except IntegrityError:
        # a concurrent request of the same member made it first
        return mine(session, community.id, member.id)
    return invitation


def mine(session: Session, community_id: int, member_id: int) -> Invitation | None:
    """The member's invitation to the community, if they asked for one."""
    return session.scalar(
        select(Invitation).where(Invitation.community_id == community_id, Invitation.member_id == member_id)
    )


def uses(session: Session, invitation_id: int) -> int:
    return session.scalar(select(func.count()).where(InvitationUse.invitation_id == invitation_id)) or 0


def by_code(session: Session, community_id: int, typed: str | None) -> Invitation | None:
    """The community's invitation with the code a member typed (forgiving case and dashes)."""
    code = invite_codes.normalize(typed)
    if not code:
        return None
    return session.scalar(
        select(Invitation).where(Invitation.community_id == community_id, Invitation.code == code)
    )


def used_up(session: Session, community: Community, invitation: Invitation) -> bool:
    return uses(session, invitation.id) >= community.invite_quota


def record_use(session: Session, invitation: Invitation, member: Member, *, now: datetime) -> None:
    """Keep that ``invitation`` brought ``member`` in (once per member)."""
    exists = session.scalar(
        select(InvitationUse.id).where(
            InvitationUse.invitation_id == invitation.id, InvitationUse.member_id == member.id
        )
    )
    if exists is None:
        session.add(InvitationUse(invitation_id=invitation.id, member_id=member.id, used_at=now))
        session.flush()


def visible_invitation(session: Session, code: str, viewer: Member) -> Invitation:
    """The invitation with ``code`` for its owner and the community's organizers; NotFound else."""
    invitation = session.scalar(select(Invitation).where(Invitation.code == invite_codes.normalize(code)))
    if invitation is None:
        raise NotFound("There is no such invitation.")
    if (
        invitation.member_id != viewer.id
        and not visibility.sight(session, viewer, invitation.community_id).organizer
    ):
        raise NotFound("There is no such invitation.")
    return invitation
