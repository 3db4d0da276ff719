"""Who sees what (SPEC.md, "Who sees what"): the one rule every route and page asks.

A viewer stands in one of these audiences toward a community, and toward one of its challenges:

- ``SIGNED_IN``, any signed-in member: the list of communities, a community's description and
  entry rules (and its member count);
- ``MEMBERS``, active members of the community: its challenges' rules, counts and pot, every day
  statement (lines name enrollments by number), and the community's member list. A challenge's
  participants and the community's organizers are in this audience for that challenge too;
- ``PARTICIPANTS``, anyone with an enrollment in the challenge, whatever its status, and the
  community's organizers: the challenge's feed, leaderboard (and, as they come, squads, comments,
  cheers, members' profiles within it);
- ``ORGANIZERS``, the organizer and co-organizers: community health, exports, registration
  answers and tags, the approval queue.

What belongs to one check-in (a photo marked private, appeal requests, flags) is for its owner
and the organizers (``can_see_private``); a photo not marked private is the feed's
(``can_see_photo``). What belongs to one enrollment (its money, receipts, check-ins, today)
is its owner's alone (``enrollments.own_enrollment``).

What the caller may not see does not exist for them: ``visible_*`` raise NotFound (404) alike
for a missing object and a hidden one. A visible object they may not change is the writing
service's Forbidden (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.models import (
    ORGANIZING_ROLES,
    Challenge,
    CheckIn,
    Community,
    CommunityMembership,
    Enrollment,
    Member,
    MembershipStatus,
    Role,
)
from habits.services.errors import NotFound
from habits.services.flash import flash_bypasses_entry


class Audience(StrEnum):
    SIGNED_IN = "signed_in"
    MEMBERS = "members"
    PARTICIPANTS = "participants"
    ORGANIZERS = "organizers"


@dataclass(frozen=True)
class Sight:
    """Where one signed-in member stands toward a community (and one of its challenges)."""

    #: their role in the community while their membership is active, else None
    role: Role | None
    #: they have an enrollment in the challenge asked about, whatever its status
    participant: bool = False

    @property
    def organizer(self) -> bool:
        return self.role in ORGANIZING_ROLES

    @property
    def member(self) -> bool:
        return self.role is not None

    def sees(self, audience: Audience) -> bool:
        """True when what is shown to ``audience`` may be shown to this viewer."""
        if audience is Audience.SIGNED_IN or self.organizer:
            return True
        if audience is Audience.MEMBERS:
            return self.member or self.participant
        if audience is Audience.PARTICIPANTS:
            return self.participant
        return False


def sight(
    session: Session, viewer: Member | None, community_id: int, challenge_id: int | None = None
) -> Sight:
    """Where ``viewer`` stands toward the community and, if given, its challenge. An anonymous
    viewer (None) is nobody: the edges have sent them to sign in before asking."""
    if viewer is None:
        return Sight(role=None)
    role = session.scalar(
        select(CommunityMembership.role).where(
            CommunityMembership.community_id == community_id,
            CommunityMembership.member_id == viewer.id,
            CommunityMembership.status == MembershipStatus.ACTIVE,
        )
    )
    participant = challenge_id is not None and (
        session.scalar(
            select(Enrollment.id).where(
                Enrollment.challenge_id == challenge_id, Enrollment.member_id == viewer.id
            )
        )
        is not None
    )
    return Sight(role=Role(role) if role is not None else None, participant=participant)


def challenge_sight(session: Session, challenge: Challenge, viewer: Member | None) -> Sight:
    return sight(session, viewer, challenge.community_id, challenge.id)


def visible_community(
    session: Session, community_id: int, viewer: Member | None, audience: Audience = Audience.SIGNED_IN
) -> Community:
    """The community, when what it shows to ``audience`` may be shown to ``viewer``; else NotFound."""
    community = session.get(Community, community_id)
    if community is None or viewer is None or not sight(session, viewer, community.id).sees(audience):
        raise NotFound(f"There is no community {community_id}.")
    return community


def visible_challenge(
    session: Session, challenge_id: int, viewer: Member | None, audience: Audience = Audience.MEMBERS
) -> Challenge:
    """The challenge, when what it shows to ``audience`` may be shown to ``viewer``; else NotFound.

    A flash challenge's rules (``MEMBERS``) are for every signed-in member whom it lets in
    (``flash.flash_bypasses_entry``): they may join it without joining the community."""
    challenge = session.get(Challenge, challenge_id)
    if challenge is None or viewer is None:
        raise NotFound(f"There is no challenge {challenge_id}.")
    flash_open = (
        audience is Audience.MEMBERS
        and challenge.flash
        and flash_bypasses_entry(session.get(Community, challenge.community_id), challenge)
    )
    if flash_open:
        return challenge
    if not challenge_sight(session, challenge, viewer).sees(audience):
        raise NotFound(f"There is no challenge {challenge_id}.")
    return challenge


def require(session: Session, challenge: Challenge, viewer: Member | None, audience: Audience) -> None:
    """NotFound unless what ``challenge`` shows to ``audience`` may be shown to ``viewer``."""
    if viewer is None or not challenge_sight(session, challenge, viewer).sees(audience):
        raise NotFound(f"There is no challenge {challenge.id}.")


def can_see_private(session: Session, checkin: CheckIn, viewer: Member | None) -> bool:
    """A check-in's private things (its photo, appeal requests, flags): its owner and the organizers."""
    if viewer is None:
        return False
    owner_id = session.scalar(select(Enrollment.member_id).where(Enrollment.id == checkin.enrollment_id))
    if owner_id == viewer.id:
        return True
    community_id = session.scalar(select(Challenge.community_id).where(Challenge.id == checkin.challenge_id))
    return sight(session, viewer, community_id).organizer


def visible_private_check_in(session: Session, checkin_id: int, viewer: Member | None) -> CheckIn:
    """The check-in, for its owner and the organizers; NotFound for everyone else."""
    checkin = session.get(CheckIn, checkin_id)
    if checkin is None or not can_see_private(session, checkin, viewer):
        raise NotFound(f"There is no check-in {checkin_id}.")
    return checkin


def visible_feed_check_in(session: Session, checkin_id: int, viewer: Member | None) -> tuple[CheckIn, Sight]:
    """A check-in as its challenge's feed shows it (its participants and the organizers), with
    where the viewer stands; NotFound for everyone else."""
    checkin = session.get(CheckIn, checkin_id)
    if checkin is None or viewer is None:
        raise NotFound(f"There is no check-in {checkin_id}.")
    community_id = session.scalar(select(Challenge.community_id).where(Challenge.id == checkin.challenge_id))
    viewer_sight = sight(session, viewer, community_id, checkin.challenge_id)
    if not viewer_sight.sees(Audience.PARTICIPANTS):
        raise NotFound(f"There is no check-in {checkin_id}.")
    return checkin, viewer_sight


def can_see_photo(session: Session, checkin: CheckIn, viewer: Member | None) -> bool:
    """A photo not marked private: whoever reads the feed; a private one: its owner and organizers."""
    if not checkin.photo_private:
        try:
            visible_feed_check_in(session, checkin.id, viewer)
        except NotFound:
            return False
        return True
    return can_see_private(session, checkin, viewer)


def visible_photo_check_in(session: Session, checkin_id: int, viewer: Member | None) -> CheckIn:
    """The check-in whose photo ``viewer`` may see (``can_see_photo``); NotFound otherwise."""
    checkin = session.get(CheckIn, checkin_id)
    if checkin is None or not can_see_photo(session, checkin, viewer):
        raise NotFound(f"There is no check-in {checkin_id}.")
    return checkin
