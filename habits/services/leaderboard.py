"""A challenge's standings, for its participants and the community's organizers (visibility).

Order, stable: check-ins that count for money (not voided), then the current streak, then the
enrollment id (who joined first). The streak counts consecutive days with a check-in (voided
ones excluded, check-ins after elimination included: SPEC lets them count for streaks) up to
today; today counts once checked in, and does not break the streak while its window is open.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.streaks import current_streak
from habits.models import Challenge, CheckIn, Enrollment, Member, SquadMember
from habits.services import visibility
from habits.services.checkins import window_table
from habits.services.headcount import took_part


@dataclass(frozen=True)
class Standing:
    rank: int
    enrollment_id: int
    member_id: int
    display_name: str
    status: EnrollmentStatus
    check_ins: int
    streak: int


def standings(
    session: Session,
    challenge: Challenge,
    viewer: Member,
    *,
    page: int,
    per_page: int,
    now: datetime,
    squad_id: int | None = None,
) -> tuple[list[Standing], int]:
    """One page of the standings and the number of enrollments on the board: those that took part
    (``headcount.took_part``: a member who left before day 0, and perhaps joined again, is on it
    once); with ``squad_id``, only that squad's members."""
    visibility.require(session, challenge, viewer, visibility.Audience.PARTICIPANTS)
    query = (
        select(Enrollment.id, Enrollment.member_id, Enrollment.status, Member.display_name)
        .join(Member, Member.id == Enrollment.member_id)
        .where(took_part(challenge))
    )
    if squad_id is not None:
        query = query.where(
            Enrollment.id.in_(select(SquadMember.enrollment_id).where(SquadMember.squad_id == squad_id))
        )
    enrollments = session.execute(query).all()
    days_by_enrollment: dict[int, set[int]] = defaultdict(set)
    money_days: dict[int, int] = defaultdict(int)
    for enrollment_id, day_index, counts_for_money in session.execute(
        select(CheckIn.enrollment_id, CheckIn.day_index, CheckIn.counts_for_money).where(
            CheckIn.challenge_id == challenge.id, CheckIn.voided_at.is_(None)
        )
    ):
        days_by_enrollment[enrollment_id].add(day_index)
        money_days[enrollment_id] += bool(counts_for_money)
    table = window_table(challenge.schedule())
    last_opened, last_is_open = table.last_opened(now)
    rows = sorted(
        (
            (
                money_days[row.id],
                current_streak(
                    days_by_enrollment[row.id], last_opened=last_opened, last_is_open=last_is_open
                ),
                row,
            )
            for row in enrollments
        ),
        key=lambda item: (-item[0], -item[1], item[2].id),
    )
    start = (page - 1) * per_page
    page_rows = rows[start : start + per_page]
    return [
        Standing(
            rank=start + i + 1,
            enrollment_id=row.id,
            member_id=row.member_id,
            display_name=row.display_name,
            status=EnrollmentStatus(row.status),
            check_ins=check_ins,
            streak=streak,
        )
        for i, (check_ins, streak, row) in enumerate(page_rows)
    ], len(rows)
