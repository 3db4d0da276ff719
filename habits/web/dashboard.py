"""Read-only figures for the organizer dashboard that no service answers yet.

Plain reads of settled facts (day_settlements rows, check-ins, enrollments) plus the pot's
ledger balance; nothing here writes or decides money. They belong in a community-health service
once one exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from habits.domain.lifecycle import NEVER_TOOK_PART
from habits.models import Challenge, CheckIn, DaySettlement, Enrollment
from habits.services import challenges


def settled_days(session: Session, challenge: Challenge) -> list[DaySettlement]:
    return list(
        session.scalars(
            select(DaySettlement)
            .where(DaySettlement.challenge_id == challenge.id)
            .order_by(DaySettlement.day_index)
        )
    )


@dataclass(frozen=True)
class DayHealth:
    day_index: int
    in_play: int
    checked_in: int
    #: members still in the game after this day, over those who started (None until settled)
    active_after: int | None
    settlement: DaySettlement | None

    @property
    def rate_percent(self) -> int:
        return round(100 * self.checked_in / self.in_play) if self.in_play else 0


@dataclass(frozen=True)
class Health:
    started: int
    days: list[DayHealth]
    eliminated: int
    withdrawn: int
    forfeited_minor: int
    fee_minor: int
    paid_out_minor: int
    pot_minor: int

    def active_percent(self, day: DayHealth) -> int | None:
        if day.active_after is None or not self.started:
            return None
        return round(100 * day.active_after / self.started)


def challenge_health(session: Session, challenge: Challenge, *, through_day: int) -> Health:
    """Per-day check-in rate and active share, eliminations, pot and payouts, days 0..through_day."""
    e = Enrollment
    played = and_(
        e.challenge_id == challenge.id,
        e.status.not_in(NEVER_TOOK_PART),
        or_(e.withdrew_at.is_(None), e.withdrew_at >= challenge.day_zero_opens_at),
    )
    started = session.scalar(select(func.count()).select_from(e).where(played)) or 0
    ended = dict(
        session.execute(
            select(e.ended_day_index, func.count())
            .where(played, e.ended_day_index.is_not(None))
            .group_by(e.ended_day_index)
        ).all()
    )
    checked = dict(
        session.execute(
            select(CheckIn.day_index, func.count())
            .join(e, e.id == CheckIn.enrollment_id)
            .where(
                CheckIn.challenge_id == challenge.id,
                CheckIn.voided_at.is_(None),
                CheckIn.counts_for_money.is_(True),
                played,
            )
            .group_by(CheckIn.day_index)
        ).all()
    )
    settled = {day.day_index: day for day in settled_days(session, challenge)}
    days = []
    out_before = 0
    for k in range(0, min(through_day, challenge.days - 1) + 1):
        in_play = started - out_before
        out_before += ended.get(k, 0)
        days.append(
            DayHealth(
                day_index=k,
                in_play=in_play,
                checked_in=checked.get(k, 0),
                active_after=started - out_before if k in settled else None,
                settlement=settled.get(k),
            )
        )
    all_days = list(settled.values())
    return Health(
        started=started,
        days=days,
        eliminated=sum(d.eliminated for d in all_days),
        withdrawn=sum(d.withdrawn for d in all_days),
        forfeited_minor=sum(d.forfeited_minor for d in all_days),
        fee_minor=sum(d.fee_minor for d in all_days),
        paid_out_minor=sum(d.split_minor + d.final_split_minor for d in all_days),
        pot_minor=challenges.pot_minor(session, challenge),
    )
