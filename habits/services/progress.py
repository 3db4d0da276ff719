"""A member's progress: streaks, level, badges, finished challenges, check-in days.

SPEC "Streaks, rank and levels" is computed by the pure rules (habits.domain.streaks, .levels)
from a few reads of the member's own rows; nothing here is stored but the badges (awarded at
settlement, habits.services.badges).

Who sees what (SPEC): the member sees all of their own progress; another member sees it
"within" the challenges they take part in (any enrollment) or whose community they organize,
and only those: the challenges, communities, badges and check-in days shown are the ones of
the challenges the viewer may see, and a member with none of them does not exist for the viewer
(NotFound). The level is the member's own figure (cumulative valid check-ins): it names no
challenge.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from habits.domain.levels import LEVEL_NAMES, level_for, next_level_at
from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.streaks import Streak, WindowDay, challenge_streak, date_streak, window_dates
from habits.models import (
    ORGANIZING_ROLES,
    BadgeAward,
    Challenge,
    ChallengeStatus,
    ChallengeWindow,
    CheckIn,
    Community,
    CommunityMembership,
    Enrollment,
    ExcusedDay,
    Member,
    MembershipStatus,
    RestDay,
)
from habits.services.errors import NotFound

#: enrollments that never took part in a day (left before the start, never paid)
NEVER_STARTED = (EnrollmentStatus.PENDING_PAYMENT, EnrollmentStatus.CANCELLED)


@dataclass(frozen=True)
class Level:
    number: int
    name: str
    valid_check_ins: int
    #: the cumulative valid check-ins the next level needs (None at the top)
    next_at: int | None


@dataclass(frozen=True)
class ChallengeProgress:
    challenge: Challenge
    status: EnrollmentStatus
    streak: Streak
    valid_check_ins: int


@dataclass(frozen=True)
class CommunityProgress:
    community: Community
    streak: Streak


@dataclass(frozen=True)
class EarnedBadge:
    kind: str
    awarded_at: datetime
    challenge: Challenge
    day_index: int | None


@dataclass
class Progress:
    member: Member
    level: Level
    challenges: list[ChallengeProgress] = field(default_factory=list)
    communities: list[CommunityProgress] = field(default_factory=list)
    badges: list[EarnedBadge] = field(default_factory=list)
    #: instants of the valid check-ins the viewer may see (the calendar places them)
    check_ins: list[datetime] = field(default_factory=list)

    @property
    def finished(self) -> list[ChallengeProgress]:
        return [c for c in self.challenges if c.status == EnrollmentStatus.COMPLETED]


def member_progress(session: Session, member_id: int, viewer: Member, *, now: datetime) -> Progress:
    """``member_id``'s progress as ``viewer`` may see it; NotFound when they may see none of it."""
    member = session.get(Member, member_id)
    if member is None or member.deleted_at is not None and member.id != viewer.id:
        raise NotFound(f"There is no member {member_id}.")
    enrollments = _visible_enrollments(session, member, viewer)
    if member.id != viewer.id and not enrollments:
        raise NotFound(f"There is no member {member_id}.")
    return _progress(session, member, enrollments, now=now)


def _visible_enrollments(session: Session, member: Member, viewer: Member) -> list[Enrollment]:
    e = Enrollment
    query = select(e).where(e.member_id == member.id, e.status.not_in(NEVER_STARTED)).order_by(e.id)
    if member.id != viewer.id:
        mine = select(Enrollment.challenge_id).where(Enrollment.member_id == viewer.id)
        organized = (
            select(Challenge.id)
            .join(CommunityMembership, CommunityMembership.community_id == Challenge.community_id)
            .where(
                CommunityMembership.member_id == viewer.id,
                CommunityMembership.status == MembershipStatus.ACTIVE,
                CommunityMembership.role.in_(ORGANIZING_ROLES),
            )
        )
        query = query.where(or_(e.challenge_id.in_(mine), e.challenge_id.in_(organized)))
    return list(session.scalars(query))


def _level(session: Session, member: Member) -> Level:
    count = session.scalar(
        select(func.count())
        .select_from(CheckIn)
        .join(Enrollment, Enrollment.id == CheckIn.enrollment_id)
        .where(Enrollment.member_id == member.id, CheckIn.voided_at.is_(None))
    )
    number = level_for(count)
    return Level(number=number, name=LEVEL_NAMES[number], valid_check_ins=count, next_at=next_level_at(count))


def _progress(session: Session, member: Member, enrollments: list[Enrollment], *, now: datetime) -> Progress:
    progress = Progress(member=member, level=_level(session, member))
    if not enrollments:
        return progress
    challenge_ids = sorted({e.challenge_id for e in enrollments})
    enrollment_ids = [e.id for e in enrollments]
    challenges = {c.id: c for c in session.scalars(select(Challenge).where(Challenge.id.in_(challenge_ids)))}
    checked = {
        (row.challenge_id, row.day_index): row.checked_in_at
        for row in session.execute(
            select(CheckIn.challenge_id, CheckIn.day_index, CheckIn.checked_in_at).where(
                CheckIn.enrollment_id.in_(enrollment_ids), CheckIn.voided_at.is_(None)
            )
        )
    }
    neutral: dict[int, set[int]] = defaultdict(set)
    for challenge_id, k in session.execute(
        select(RestDay.challenge_id, RestDay.day_index).where(RestDay.enrollment_id.in_(enrollment_ids))
    ):
        neutral[challenge_id].add(k)
    for challenge_id, k in session.execute(
        select(ExcusedDay.challenge_id, ExcusedDay.day_index).where(
            ExcusedDay.challenge_id.in_(challenge_ids)
        )
    ):
        neutral[challenge_id].add(k)
    windows = _opened_windows(session, challenge_ids, now=now)
    status = {e.challenge_id: e.status for e in enrollments}  # the latest enrollment (ids in order)
    by_community: dict[int, list[WindowDay]] = defaultdict(list)
    for challenge_id in challenge_ids:
        challenge = challenges[challenge_id]
        opened = windows.get(challenge_id, []) if challenge.status != ChallengeStatus.CANCELLED else []
        last_opened = opened[-1][0] if opened else -1
        last_is_open = bool(opened) and opened[-1][2] > now
        days = {k for (c, k) in checked if c == challenge_id}
        progress.challenges.append(
            ChallengeProgress(
                challenge=challenge,
                status=status[challenge_id],
                streak=challenge_streak(
                    days, last_opened=last_opened, last_is_open=last_is_open, neutral=neutral[challenge_id]
                ),
                valid_check_ins=len(days),
            )
        )
        for k, opens_at, closes_at in opened:
            at = checked.get((challenge_id, k))
            by_community[challenge.community_id].append(
                WindowDay(
                    opens_at=opens_at,
                    checked_in_at=at,
                    neutral=at is None and k in neutral[challenge_id],
                    open_now=closes_at > now,
                )
            )
    communities = session.scalars(select(Community).where(Community.id.in_(list(by_community)))).all()
    for community in sorted(communities, key=lambda c: c.name):
        dates = window_dates(by_community[community.id], member.timezone)
        progress.communities.append(CommunityProgress(community=community, streak=date_streak(*dates)))
    progress.badges = [
        EarnedBadge(
            kind=b.kind, awarded_at=b.awarded_at, challenge=challenges[b.challenge_id], day_index=b.day_index
        )
        for b in session.scalars(
            select(BadgeAward)
            .where(BadgeAward.member_id == member.id, BadgeAward.challenge_id.in_(challenge_ids))
            .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())
        )
    ]
    progress.check_ins = sorted(checked.values())
    return progress


def _opened_windows(session: Session, challenge_ids: list[int], *, now: datetime) -> dict[int, list[tuple]]:
    """Each challenge's windows that have opened by ``now``: (day, opens_at, closes_at), in order."""
    w = ChallengeWindow
    rows = session.execute(
        select(w.challenge_id, w.day_index, w.opens_at, w.closes_at)
        .where(and_(w.challenge_id.in_(challenge_ids), w.opens_at <= now))
        .order_by(w.challenge_id, w.day_index)
    )
    opened: dict[int, list[tuple]] = defaultdict(list)
    for challenge_id, k, opens_at, closes_at in rows:
        opened[challenge_id].append((k, opens_at, closes_at))
    return opened
