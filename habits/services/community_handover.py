"""Handing a community over: its organizer makes another active member the organizer.

A community has exactly one organizer (``communities.organizer_id`` and the one membership with
``Role.ORGANIZER``). Only the organizer hands it over, to an active member of it; they stay on as
a co-organizer (and may then leave, or delete their account). Both rows change under the
community's row lock, so two hand-overs at once leave one organizer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from habits.models import Community, CommunityMembership, Member, MembershipStatus, Role
from habits.services.communities import membership_of
from habits.services.errors import Forbidden, NotFound


def hand_over(
    session: Session, community: Community, actor: Member, member_id: int, *, now: datetime
) -> Community:
    """Make ``member_id`` the organizer of ``community``; ``actor``, its organizer, becomes a
    co-organizer. Forbidden (403) for anyone but the organizer; NotFound (404) when ``member_id``
    is not an active member of it (or is the organizer already)."""
    session.flush()
    session.refresh(community, with_for_update=True)
    mine = membership_of(session, community.id, actor.id)
    if (
        community.organizer_id != actor.id
        or mine is None
        or mine.status != MembershipStatus.ACTIVE
        or mine.role != Role.ORGANIZER
    ):
        raise Forbidden("Only the organizer of this community may hand it over.")
    target = membership_of(session, community.id, member_id)
    if target is None or target.status != MembershipStatus.ACTIVE or member_id == actor.id:
        raise NotFound(f"Member {member_id} is not an active member of this community.")
    target.role = Role.ORGANIZER
    mine.role = Role.CO_ORGANIZER
    community.organizer_id = member_id
    session.flush()
    return community


def heirs(
    session: Session, community: Community, actor: Member, *, limit: int = 200, now: datetime | None = None
) -> list[tuple[CommunityMembership, Member]]:
    """Whom ``actor`` may hand ``community`` to: its other active members, co-organizers first,
    then core members, then by join order (at most ``limit``: a page lists no more)."""
    rank = case(
        (CommunityMembership.role == Role.CO_ORGANIZER, 0),
        (CommunityMembership.role == Role.CORE_MEMBER, 1),
        else_=2,
    )
    rows = session.execute(
        select(CommunityMembership, Member)
        .join(Member, Member.id == CommunityMembership.member_id)
        .where(
            CommunityMembership.community_id == community.id,
            CommunityMembership.status == MembershipStatus.ACTIVE,
            CommunityMembership.member_id != actor.id,
        )
        .order_by(rank, CommunityMembership.joined_at, CommunityMembership.id)
        .limit(limit)
    ).all()
    return [tuple(row) for row in rows]
