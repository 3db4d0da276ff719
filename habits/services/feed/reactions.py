"""Cheers (one per member and check-in, undo allowed), flags (once, never one's own) and a
photo marked private. Each "once" is the table's unique constraint: racing requests insert with
ON CONFLICT DO NOTHING, so two taps leave one row and neither fails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habits.models import CheckIn, CheckInFlag, Cheer, Enrollment, Member
from habits.services import visibility
from habits.services.feed.refusals import AlreadyFlagged, FlagNotParticipant, FlagOwnCheckIn, PhotoNotYours
from habits.services.notifications import events


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


@dataclass(frozen=True)
class CheerState:
    check_in_id: int
    cheers: int
    cheered_by_me: bool
    #: this call added the cheer (False when it was there already, or for an undo)
    added: bool = False


def _state(session: Session, checkin: CheckIn, viewer: Member, *, added: bool = False) -> CheerState:
    count = session.scalar(select(func.count()).where(Cheer.check_in_id == checkin.id)) or 0
    mine = session.scalar(
        select(Cheer.id).where(Cheer.check_in_id == checkin.id, Cheer.member_id == viewer.id)
    )
    return CheerState(checkin.id, count, mine is not None, added)


def cheer(session: Session, checkin_id: int, viewer: Member, *, now: datetime) -> CheerState:
    """Cheer a check-in the viewer reads in the feed (idempotent)."""
    checkin, _ = visibility.visible_feed_check_in(session, checkin_id, viewer)
    result = session.execute(
        _insert(session)(Cheer)
        .values(check_in_id=checkin.id, member_id=viewer.id, created_at=now)
        .on_conflict_do_nothing(index_elements=["check_in_id", "member_id"])
        .returning(Cheer.id)
    )
    added = result.scalar_one_or_none() is not None
    if added:
        events.cheered(session, checkin, owner_id(session, checkin), viewer, now=now)
    session.flush()
    return _state(session, checkin, viewer, added=added)


def uncheer(session: Session, checkin_id: int, viewer: Member, *, now: datetime) -> CheerState:
    """Take one's cheer back (idempotent)."""
    checkin, _ = visibility.visible_feed_check_in(session, checkin_id, viewer)
    session.execute(delete(Cheer).where(Cheer.check_in_id == checkin.id, Cheer.member_id == viewer.id))
    session.flush()
    return _state(session, checkin, viewer)


def owner_id(session: Session, checkin: CheckIn) -> int:
    return session.scalar(select(Enrollment.member_id).where(Enrollment.id == checkin.enrollment_id))


def flag(
    session: Session, checkin_id: int, viewer: Member, *, reason: str | None, now: datetime
) -> CheckInFlag:
    """A participant doubts another's check-in, once; it reaches the organizers' review list and
    moves no money by itself."""
    checkin, sight = visibility.visible_feed_check_in(session, checkin_id, viewer)
    if not sight.participant:
        raise FlagNotParticipant("Only the challenge's participants flag check-ins: you can void it instead.")
    if owner_id(session, checkin) == viewer.id:
        raise FlagOwnCheckIn("This is your own check-in: you cannot flag it.")
    result = session.execute(
        _insert(session)(CheckInFlag)
        .values(
            check_in_id=checkin.id,
            challenge_id=checkin.challenge_id,
            flagger_id=viewer.id,
            reason=reason or None,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["check_in_id", "flagger_id"])
        .returning(CheckInFlag.id)
    )
    if result.scalar_one_or_none() is None:
        raise AlreadyFlagged("You have flagged this check-in already: the organizers have it.")
    session.flush()
    return session.scalar(
        select(CheckInFlag).where(CheckInFlag.check_in_id == checkin.id, CheckInFlag.flagger_id == viewer.id)
    )


def set_photo_private(
    session: Session, checkin_id: int, viewer: Member, *, private: bool, now: datetime
) -> CheckIn:
    """The check-in's member marks its photo private (only they and the organizers see it) or not."""
    checkin, _ = visibility.visible_feed_check_in(session, checkin_id, viewer)
    if owner_id(session, checkin) != viewer.id:
        raise PhotoNotYours("Only the check-in's member marks its photo private.")
    checkin.photo_private = private
    session.flush()
    return checkin
