"""What a check-in's share card says (issue 15, "a share card"), for whoever may read the check-in.

Who may see a card is who may read the check-in in its feed (SPEC, "Who sees what": the
challenge's participants, its owner among them, and the community's organizers); NotFound for
everyone else. The card never carries the photo, so a private photo cannot leak through it.

The streak is the member's streak in the challenge as of the check-in's day (SPEC, "Streaks,
rank and levels": rest days and excused days neutral, a voided check-in a miss), so a card
drawn today and one drawn next week for the same check-in say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from habits.domain.streaks import challenge_streak
from habits.models import Challenge, CheckIn, Community, Enrollment, ExcusedDay, Member, RestDay
from habits.services import visibility


@dataclass(frozen=True)
class CardFacts:
    checkin_id: int
    member_name: str
    community_name: str
    challenge_title: str
    #: the check-in's instant (UTC) and the challenge's zone it is shown in
    checked_in_at: datetime
    zone: str
    value: float | None
    value_label: str | None
    #: 0-based, as stored; the card says "Day k+1 of N"
    day_index: int
    days: int
    streak: int
    voided: bool


def card_facts(session: Session, checkin_id: int, viewer: Member | None) -> CardFacts:
    """The card's facts, for a viewer who may read the check-in (else NotFound, 404)."""
    checkin, _ = visibility.visible_feed_check_in(session, checkin_id, viewer)
    member_name, challenge, community_name = session.execute(
        select(Member.display_name, Challenge, Community.name)
        .select_from(Enrollment)
        .join(Member, Member.id == Enrollment.member_id)
        .join(Challenge, Challenge.id == Enrollment.challenge_id)
        .join(Community, Community.id == Challenge.community_id)
        .where(Enrollment.id == checkin.enrollment_id)
    ).one()
    return CardFacts(
        checkin_id=checkin.id,
        member_name=member_name,
        community_name=community_name,
        challenge_title=challenge.title,
        checked_in_at=checkin.checked_in_at,
        zone=challenge.timezone,
        value=checkin.value,
        value_label=challenge.value_label,
        day_index=checkin.day_index,
        days=challenge.days,
        streak=streak_on_day(session, checkin),
        voided=checkin.voided_at is not None,
    )


def streak_on_day(session: Session, checkin: CheckIn) -> int:
    """The member's current streak in the challenge as it stood at the end of the check-in's day."""
    days = set(
        session.scalars(
            select(CheckIn.day_index).where(
                CheckIn.enrollment_id == checkin.enrollment_id,
                CheckIn.voided_at.is_(None),
                CheckIn.day_index <= checkin.day_index,
            )
        )
    )
    neutral = set(
        session.scalars(
            union(
                select(RestDay.day_index).where(RestDay.enrollment_id == checkin.enrollment_id),
                select(ExcusedDay.day_index).where(ExcusedDay.challenge_id == checkin.challenge_id),
            )
        )
    )
    return challenge_streak(days, last_opened=checkin.day_index, last_is_open=False, neutral=neutral).current
