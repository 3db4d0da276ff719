"""What a challenge's squads show: the list with each one's numbers, one squad's members and
leaderboard, the member's own squad, and the history of changes.

SPEC "Who sees what": a challenge's participants and the community's organizers see its squads
and squad feeds (``Audience.PARTICIPANTS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from habits.models import Challenge, CheckIn, Enrollment, Member, Squad, SquadChange, SquadMember
from habits.services import visibility
from habits.services.checkins import window_table
from habits.services.errors import NotFound


@dataclass(frozen=True)
class SquadNumbers:
    squad: Squad
    members: int
    #: members with a check-in that stands on today's (the last opened) day
    checked_in_today: int


def today_index(challenge: Challenge, now: datetime) -> int | None:
    """The last day whose window has opened at ``now`` (None before day 0)."""
    table = window_table(challenge.schedule())
    opened = sum(1 for opens_at in table.opens if opens_at <= now) - 1
    return opened if opened >= 0 else None


def numbers_of(session: Session, challenge: Challenge, squad: Squad, *, now: datetime) -> SquadNumbers:
    """One squad's numbers (a dissolved squad has no members)."""
    found = squad_numbers(session, challenge, now=now, only=squad.id)
    return found[0] if found else SquadNumbers(squad, 0, 0)


def squad_numbers(
    session: Session,
    challenge: Challenge,
    *,
    now: datetime | None = None,
    only: int | None = None,
    day: int | None = None,
) -> list[SquadNumbers]:
    """The challenge's squads (dissolved ones left out) with members and the check-ins that stand
    on ``day`` when given (the chat summary's), else on the last day opened at ``now``."""
    members = (
        select(SquadMember.squad_id, func.count().label("n"))
        .where(SquadMember.challenge_id == challenge.id)
        .group_by(SquadMember.squad_id)
        .subquery()
    )
    if day is None:
        day = today_index(challenge, now)
    checked = (
        select(SquadMember.squad_id, func.count(func.distinct(CheckIn.enrollment_id)).label("n"))
        .join(CheckIn, CheckIn.enrollment_id == SquadMember.enrollment_id)
        .where(
            SquadMember.challenge_id == challenge.id,
            CheckIn.day_index == (day if day is not None else -1),
            CheckIn.voided_at.is_(None),
        )
        .group_by(SquadMember.squad_id)
        .subquery()
    )
    query = (
        select(Squad, func.coalesce(members.c.n, 0), func.coalesce(checked.c.n, 0))
        .outerjoin(members, members.c.squad_id == Squad.id)
        .outerjoin(checked, checked.c.squad_id == Squad.id)
        .where(Squad.challenge_id == challenge.id, Squad.dissolved_at.is_(None))
        .order_by(Squad.number)
    )
    if only is not None:
        query = query.where(Squad.id == only)
    rows = session.execute(query).all()
    return [SquadNumbers(squad, int(n), int(today)) for squad, n, today in rows]


def list_squads(session: Session, challenge_id: int, viewer: Member, *, now: datetime):
    """(challenge, its squads with their numbers, the viewer's squad id or None)."""
    challenge = visibility.visible_challenge(session, challenge_id, viewer, visibility.Audience.PARTICIPANTS)
    return challenge, squad_numbers(session, challenge, now=now), my_squad_id(session, challenge, viewer)


def my_squad_id(session: Session, challenge: Challenge, viewer: Member) -> int | None:
    """The viewer's current squad in the challenge (their newest enrollment's), or None."""
    return session.scalar(
        select(SquadMember.squad_id)
        .join(Enrollment, Enrollment.id == SquadMember.enrollment_id)
        .where(SquadMember.challenge_id == challenge.id, Enrollment.member_id == viewer.id)
        .order_by(Enrollment.id.desc())
        .limit(1)
    )


def visible_squad(
    session: Session, squad_id: int, viewer: Member, *, now: datetime | None = None
) -> tuple[Squad, Challenge]:
    """The squad and its challenge, for the challenge's participants and the organizers."""
    squad = session.get(Squad, squad_id)
    if squad is None:
        raise NotFound(f"There is no squad {squad_id}.")
    try:
        challenge = visibility.visible_challenge(
            session, squad.challenge_id, viewer, visibility.Audience.PARTICIPANTS
        )
    except NotFound:
        raise NotFound(f"There is no squad {squad_id}.") from None
    return squad, challenge


def squad_of_challenge(session: Session, challenge: Challenge, squad_id: int) -> Squad:
    """The challenge's squad ``squad_id`` (the feed's ``squad=`` filter); NotFound otherwise."""
    squad = session.get(Squad, squad_id)
    if squad is None or squad.challenge_id != challenge.id:
        raise NotFound(f"There is no squad {squad_id} in this challenge.")
    return squad


def squad_enrollments(squad_id: int):
    """SQL: the enrollment ids now in the squad."""
    return select(SquadMember.enrollment_id).where(SquadMember.squad_id == squad_id)


def history(
    session: Session,
    challenge_id: int,
    viewer: Member,
    *,
    page: int,
    per_page: int,
    now: datetime | None = None,
) -> tuple[list[tuple[SquadChange, str | None]], int]:
    """The challenge's squad changes, newest first, with who made them (None: day 0's placement)."""
    challenge = visibility.visible_challenge(session, challenge_id, viewer, visibility.Audience.PARTICIPANTS)
    query = select(SquadChange).where(SquadChange.challenge_id == challenge.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        select(SquadChange, Member.display_name)
        .outerjoin(Member, Member.id == SquadChange.actor_id)
        .where(SquadChange.challenge_id == challenge.id)
        .order_by(SquadChange.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [(change, name) for change, name in rows], total
