"""What a member organizes: their communities and the challenges in them that are not over yet,
for the organizer's part of the home page (each with its dashboard one tap away)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.models import (
    ORGANIZING_ROLES,
    Challenge,
    ChallengeStatus,
    Community,
    CommunityMembership,
    Member,
    MembershipStatus,
)

#: challenges an organizer still has work in: enrolling members, or running days
NOT_OVER = (ChallengeStatus.ENROLLING, ChallengeStatus.RUNNING)
#: the most communities, and challenges per community, the home page lists
MAX_COMMUNITIES = 20
MAX_CHALLENGES = 10


@dataclass(frozen=True)
class OrganizedCommunity:
    community: Community
    #: running first (soonest day 0 first), then enrolling
    challenges: list[Challenge] = field(default_factory=list)


def organized(session: Session, member: Member) -> list[OrganizedCommunity]:
    """The communities ``member`` organizes or co-organizes (oldest first), each with its
    challenges that are enrolling or running."""
    communities = session.scalars(
        select(Community)
        .join(CommunityMembership, CommunityMembership.community_id == Community.id)
        .where(
            CommunityMembership.member_id == member.id,
            CommunityMembership.status == MembershipStatus.ACTIVE,
            CommunityMembership.role.in_(sorted(ORGANIZING_ROLES)),
        )
        .order_by(Community.id)
        .limit(MAX_COMMUNITIES)
    ).all()
    if not communities:
        return []
    running_first = (Challenge.status != ChallengeStatus.RUNNING, Challenge.day_zero_opens_at, Challenge.id)
    rows = session.scalars(
        select(Challenge)
        .where(Challenge.community_id.in_([c.id for c in communities]), Challenge.status.in_(NOT_OVER))
        .order_by(*running_first)
    ).all()
    by_community: dict[int, list[Challenge]] = {c.id: [] for c in communities}
    for challenge in rows:
        listed = by_community[challenge.community_id]
        if len(listed) < MAX_CHALLENGES:
            listed.append(challenge)
    return [OrganizedCommunity(c, by_community[c.id]) for c in communities]
