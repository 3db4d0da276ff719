"""A squad's health (docs/community-health.md, "Squads"): which squads a community has, and the
check-in rate and eliminations of each settled day counted over one squad's enrollments.

A squad holds at most 500 enrollments, so its day figures are counted when read, from its
enrollments' ends and its check-ins grouped by day (at most 500 per day), where the whole
community's come from the ``day_settlements`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from habits.domain.health import share
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import (
    Challenge,
    CheckIn,
    Community,
    DaySettlement,
    DaySettlementStatus,
    Enrollment,
    Squad,
    SquadMember,
)
from habits.services.errors import NotFound

#: an enrollment that ended on day k by either way out counts among that day's eliminated
OUT = (EnrollmentStatus.ELIMINATED, EnrollmentStatus.WITHDRAWN)


@dataclass(frozen=True)
class SquadChoice:
    id: int
    number: int
    challenge_id: int
    challenge_title: str


def community_squads(session: Session, community_id: int, *, dissolved: bool = False) -> list[SquadChoice]:
    """The community's squads (the dissolved ones too when asked), newest challenge first, by
    number."""
    query = (
        select(Squad.id, Squad.number, Challenge.id, Challenge.title)
        .join(Challenge, Challenge.id == Squad.challenge_id)
        .where(Challenge.community_id == community_id)
        .order_by(Challenge.start_date.desc(), Challenge.id.desc(), Squad.number)
    )
    if not dissolved:
        query = query.where(Squad.dissolved_at.is_(None))
    rows = session.execute(query).all()
    return [SquadChoice(*row) for row in rows]


def squad_of_community(session: Session, community: Community, squad_id: int) -> tuple[Squad, Challenge]:
    """The squad ``squad_id`` of one of the community's challenges (a dissolved one too: its
    figures stay); NotFound otherwise."""
    found = session.execute(
        select(Squad, Challenge)
        .join(Challenge, Challenge.id == Squad.challenge_id)
        .where(Squad.id == squad_id, Challenge.community_id == community.id)
    ).first()
    if found is None:
        raise NotFound(f"There is no squad {squad_id} in this community.")
    return found[0], found[1]


@dataclass(frozen=True)
class SquadDay:
    day_index: int
    excused: bool
    took_part: int
    checked_in: int
    checkin_rate: float | None
    eliminated: int


def squad_days(session: Session, squad: Squad) -> list[SquadDay]:
    """Each settled day of the squad's challenge, over the enrollments now in the squad (all of
    them active when placed): those taking part in day k (not ended before k), those of them with
    a valid check-in of day k, and those eliminated (or whose quitting was settled) on k. An
    excused day has no rate."""
    settled = session.execute(
        select(DaySettlement.day_index, DaySettlement.status)
        .where(DaySettlement.challenge_id == squad.challenge_id)
        .order_by(DaySettlement.day_index)
    ).all()
    if not settled:
        return []
    ends = session.execute(
        select(Enrollment.ended_day_index, Enrollment.status)
        .join(SquadMember, SquadMember.enrollment_id == Enrollment.id)
        .where(SquadMember.squad_id == squad.id)
    ).all()
    checked = dict(
        session.execute(
            select(CheckIn.day_index, func.count(func.distinct(CheckIn.enrollment_id)))
            .join(SquadMember, SquadMember.enrollment_id == CheckIn.enrollment_id)
            .join(Enrollment, Enrollment.id == CheckIn.enrollment_id)
            .where(
                SquadMember.squad_id == squad.id,
                CheckIn.voided_at.is_(None),
                or_(Enrollment.ended_day_index.is_(None), Enrollment.ended_day_index >= CheckIn.day_index),
            )
            .group_by(CheckIn.day_index)
        ).all()
    )
    days = []
    for k, status in settled:
        excused = status == DaySettlementStatus.EXCUSED
        took_part = sum(1 for ended, _ in ends if ended is None or ended >= k)
        checked_in = int(checked.get(k, 0))
        days.append(
            SquadDay(
                day_index=k,
                excused=excused,
                took_part=took_part,
                checked_in=checked_in,
                checkin_rate=None if excused else share(checked_in, took_part),
                eliminated=sum(1 for ended, end_status in ends if ended == k and end_status in OUT),
            )
        )
    return days
