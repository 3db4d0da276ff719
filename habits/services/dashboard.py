"""The organizer's dashboard of a challenge: its health day by day, the check-ins still open to
review, the days an organizer may still act on, and the standings.

Plain reads of settled facts (day_settlements rows, check-ins, enrollments) plus the pot's ledger
balance, returned as plain dataclasses; nothing here writes or decides money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from habits.domain.calendar import day_window, due_at
from habits.models import Challenge, CheckIn, Community, DaySettlement, Enrollment, Member
from habits.services import challenges, leaderboard
from habits.services.communities import require_organizing
from habits.services.headcount import Headcount, headcount, took_part
from habits.services.leaderboard import Standing

#: how many days ahead an organizer may excuse (and how many days the forms offer)
ACT_AHEAD = 14
#: at most this many check-ins on the review list
REVIEW_LIMIT = 200
#: the dashboard shows every standing on one page
STANDINGS_LIMIT = 500


@dataclass(frozen=True)
class SettledDay:
    """What the pages show of a settled (or excused) day."""

    day_index: int
    status: str
    winners: int
    pot_minor: int
    eliminated: int
    withdrawn: int
    forfeited_minor: int
    fee_minor: int
    paid_out_minor: int


@dataclass(frozen=True)
class DayHealth:
    day_index: int
    in_play: int
    checked_in: int
    #: members still in the game after this day, over those who started (None until settled)
    active_after: int | None
    settlement: SettledDay | None

    @property
    def rate_percent(self) -> int:
        return round(100 * self.checked_in / self.in_play) if self.in_play else 0


@dataclass(frozen=True)
class Health:
    started: int
    #: who is in now, as the challenge page counts them (``habits.services.headcount``)
    headcount: Headcount
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


@dataclass(frozen=True)
class ReviewItem:
    """A check-in an organizer may still void (its day is not due yet)."""

    checkin_id: int
    enrollment_id: int
    display_name: str
    day_index: int
    checked_in_at: datetime
    source: str
    note: str | None
    value: float | None
    has_photo: bool
    voided_at: datetime | None
    void_reason: str | None


@dataclass(frozen=True)
class Dashboard:
    health: Health
    standings: list[Standing]
    standings_total: int
    review: list[ReviewItem]
    #: days an organizer may excuse: not settled and not due yet
    excusable_days: list[int]
    #: days an organizer may record an appeal for: excusable, and their window has opened
    appealable_days: list[int]


def organizer_dashboard(
    session: Session, challenge: Challenge, organizer: Member, *, now: datetime
) -> Dashboard:
    """Everything the organizer dashboard shows (organizers of the challenge's community only)."""
    community = session.get(Community, challenge.community_id)
    require_organizing(session, community, organizer, "see this dashboard")
    standings, total = leaderboard.standings(
        session, challenge, organizer, page=1, per_page=STANDINGS_LIMIT, now=now
    )
    appealable = actionable_days(challenge, now=now, opened_only=True)
    return Dashboard(
        health=challenge_health(session, challenge, now=now),
        standings=standings,
        standings_total=total,
        review=review_queue(session, challenge, days=appealable),
        excusable_days=actionable_days(challenge, now=now, opened_only=False),
        appealable_days=appealable,
    )


def actionable_days(challenge: Challenge, *, now: datetime, opened_only: bool) -> list[int]:
    """Days an organizer may still act on: not settled, not yet due (and opened, for appeals),
    at most ``ACT_AHEAD`` of them."""
    schedule = challenge.schedule()
    days = []
    for k in range(challenge.settled_days, challenge.days):
        if due_at(schedule, k, challenge.review_minutes) <= now:
            continue
        if opened_only and day_window(schedule, k)[0] > now:
            break
        days.append(k)
        if len(days) >= ACT_AHEAD:
            break
    return days


def review_queue(session: Session, challenge: Challenge, *, days: list[int]) -> list[ReviewItem]:
    """The check-ins of ``days``, latest first (at most ``REVIEW_LIMIT``)."""
    if not days:
        return []
    rows = session.execute(
        select(CheckIn, Member.display_name)
        .join(Enrollment, Enrollment.id == CheckIn.enrollment_id)
        .join(Member, Member.id == Enrollment.member_id)
        .where(CheckIn.challenge_id == challenge.id, CheckIn.day_index.in_(days))
        .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc())
        .limit(REVIEW_LIMIT)
    ).all()
    return [
        ReviewItem(
            checkin_id=c.id,
            enrollment_id=c.enrollment_id,
            display_name=name,
            day_index=c.day_index,
            checked_in_at=c.checked_in_at,
            source=str(getattr(c.source, "value", c.source)),
            note=c.note,
            value=c.value,
            has_photo=c.photo_path is not None,
            voided_at=c.voided_at,
            void_reason=c.void_reason,
        )
        for c, name in rows
    ]


def settled_days(session: Session, challenge: Challenge) -> list[SettledDay]:
    """The challenge's settled (and excused) days, in order."""
    rows = session.scalars(
        select(DaySettlement)
        .where(DaySettlement.challenge_id == challenge.id)
        .order_by(DaySettlement.day_index)
    )
    return [
        SettledDay(
            day_index=d.day_index,
            status=str(getattr(d.status, "value", d.status)),
            winners=d.winners,
            pot_minor=d.pot_minor,
            eliminated=d.eliminated,
            withdrawn=d.withdrawn,
            forfeited_minor=d.forfeited_minor,
            fee_minor=d.fee_minor,
            paid_out_minor=d.split_minor + d.final_split_minor,
        )
        for d in rows
    ]


def challenge_health(session: Session, challenge: Challenge, *, now: datetime) -> Health:
    """Per-day check-in rate and active share for the days opened by ``now``; eliminations,
    quits, forfeits, fees and payouts over the settled days; the pot from the ledger."""
    schedule = challenge.schedule()
    opened = sum(1 for k in range(challenge.days) if day_window(schedule, k)[0] <= now)
    through_day = max(0, opened - 1)
    e = Enrollment
    played = took_part(challenge)
    heads = headcount(session, challenge)
    started = heads.took_part
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
        headcount=heads,
        days=days,
        eliminated=sum(d.eliminated for d in all_days),
        withdrawn=sum(d.withdrawn for d in all_days),
        forfeited_minor=sum(d.forfeited_minor for d in all_days),
        fee_minor=sum(d.fee_minor for d in all_days),
        paid_out_minor=sum(d.paid_out_minor for d in all_days),
        pot_minor=challenges.pot_minor(session, challenge),
    )
