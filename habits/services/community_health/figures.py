"""What the health dashboard and ``GET /communities/{id}/health`` show, read from the aggregates
(a few hundred small rows), never from every check-in (SPEC, "Community health figures").

- per local date: members, active share, 7- and 30-day survival (survival(d) sums the cohorts of
  every date up to d: of the members who joined at least N days before d, those with a valid
  check-in in the 7 days ending on their join date + N);
- per challenge: each settled day's check-in rate and the elimination curve (from the
  ``day_settlements`` rows, one per settled day), the pot and what was paid out;
- the cohort table: retention by join week.

With a squad (``squad=``): its own dates (members and active share; no survival: nobody joins a
squad), its challenge's settled days counted over its enrollments
(``community_health.squads``), and its challenge's pot (money stays per challenge); no cohorts.

An excused day has no check-in rate (everyone was on a rest day). The elimination curve counts a
member who quit among the eliminated of the day their quitting was settled (SPEC: "treated as
eliminated").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from habits.domain.health import checkin_rate, share, week_start
from habits.models import (
    WHOLE_COMMUNITY,
    Challenge,
    CommunityCohortWeek,
    CommunityDailyHealth,
    DaySettlement,
    DaySettlementStatus,
    HealthRefresh,
    Member,
)
from habits.services.community_health import squads
from habits.services.community_health.counting import local_date
from habits.services.community_health.squads import SquadChoice
from habits.services.errors import FieldError, InvalidInput
from habits.services.visibility import Audience, visible_community

#: the longest period one read covers
MAX_DAYS = 366
#: the period read when none is asked for
DEFAULT_DAYS = 30
#: join weeks in the cohort table, and the weeks after joining it follows
COHORT_WEEKS = 8


@dataclass(frozen=True)
class DayFigures:
    day: date
    members: int
    active: int
    active_share: float | None
    survival_7: float | None
    survival_30: float | None


@dataclass(frozen=True)
class ChallengeDay:
    day_index: int
    excused: bool
    took_part: int
    checked_in: int
    checkin_rate: float | None
    eliminated: int
    eliminated_so_far: int


@dataclass(frozen=True)
class ChallengeFigures:
    id: int
    title: str
    start_date: date
    days: int
    currency: str
    status: str
    settled: list[ChallengeDay]
    pot_minor: int
    forfeited_minor: int
    fee_minor: int
    paid_out_minor: int


@dataclass(frozen=True)
class CohortRow:
    week: date
    size: int
    #: share active in each week after joining (index 0: the join week); None for weeks to come
    retention: list[float | None]


@dataclass(frozen=True)
class Health:
    community_id: int
    timezone: str
    start: date
    end: date
    days: list[DayFigures]
    challenges: list[ChallengeFigures]
    cohorts: list[CohortRow]
    alert_bps: int | None
    refreshed_at: datetime | None
    #: the squad shown (None: the whole community)
    squad: SquadChoice | None = None
    #: the community's squads one may pick
    squads: tuple[SquadChoice, ...] = ()


def period(timezone: str, start: date | None, end: date | None, *, now: datetime) -> tuple[date, date]:
    """The dates asked for (default: the last ``DEFAULT_DAYS`` up to today); InvalidInput when
    backwards or longer than ``MAX_DAYS``."""
    end = end or local_date(timezone, now)
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidInput(
            "The period ends before it begins.",
            errors={"from": [FieldError("period_backwards", "'from' must be on or before 'to'.")]},
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(
            f"A period covers at most {MAX_DAYS} days.",
            errors={
                "from": [FieldError("period_too_long", f"Ask for at most {MAX_DAYS} days.", days=MAX_DAYS)]
            },
        )
    return start, end


def day_figures(session: Session, community_id: int, start: date, end: date, squad_id: int = WHOLE_COMMUNITY):
    d = CommunityDailyHealth
    running = {"order_by": d.day}
    totals = (
        select(
            d.day,
            d.members,
            d.active,
            func.sum(d.cohort7_kept).over(**running).label("kept7"),
            func.sum(d.cohort7_joined).over(**running).label("joined7"),
            func.sum(d.cohort30_kept).over(**running).label("kept30"),
            func.sum(d.cohort30_joined).over(**running).label("joined30"),
        )
        .where(d.community_id == community_id, d.squad_id == squad_id, d.day <= end)
        .subquery()
    )
    rows = session.execute(select(totals).where(totals.c.day >= start).order_by(totals.c.day)).all()
    return [
        DayFigures(
            day=row.day,
            members=row.members,
            active=row.active,
            active_share=share(row.active, row.members),
            survival_7=share(int(row.kept7 or 0), int(row.joined7 or 0)),
            survival_30=share(int(row.kept30 or 0), int(row.joined30 or 0)),
        )
        for row in rows
    ]


def challenge_figures(session: Session, community_id: int, start: date, end: date) -> list[ChallengeFigures]:
    """The community's challenges that ran (or run) during the period."""
    c = Challenge
    challenges = session.scalars(
        select(c).where(c.community_id == community_id, c.start_date <= end).order_by(c.start_date, c.id)
    ).all()
    challenges = [ch for ch in challenges if ch.start_date + timedelta(days=ch.days - 1) >= start]
    rows_by_challenge: dict[int, list[DaySettlement]] = {ch.id: [] for ch in challenges}
    if challenges:
        s = DaySettlement
        for row in session.scalars(
            select(s).where(s.challenge_id.in_(list(rows_by_challenge))).order_by(s.challenge_id, s.day_index)
        ):
            rows_by_challenge[row.challenge_id].append(row)
    figures = []
    for challenge in challenges:
        settled, so_far = [], 0
        for row in rows_by_challenge[challenge.id]:
            excused = row.status == DaySettlementStatus.EXCUSED
            out = row.eliminated + row.withdrawn
            so_far += out
            took_part = row.winners + row.rest_days + row.misses + row.withdrawn
            settled.append(
                ChallengeDay(
                    day_index=row.day_index,
                    excused=excused,
                    took_part=took_part,
                    checked_in=row.winners,
                    checkin_rate=None
                    if excused
                    else checkin_rate(row.winners, row.rest_days, row.misses, row.withdrawn),
                    eliminated=out,
                    eliminated_so_far=so_far,
                )
            )
        rows = rows_by_challenge[challenge.id]
        figures.append(
            ChallengeFigures(
                id=challenge.id,
                title=challenge.title,
                start_date=challenge.start_date,
                days=challenge.days,
                currency=challenge.currency,
                status=str(challenge.status),
                settled=settled,
                pot_minor=rows[-1].carried_minor if rows else 0,
                forfeited_minor=sum(row.forfeited_minor for row in rows),
                fee_minor=sum(row.fee_minor for row in rows),
                paid_out_minor=sum(row.split_minor + row.final_split_minor for row in rows),
            )
        )
    return figures


def cohort_rows(
    session: Session, community_id: int, end: date, squad_id: int = WHOLE_COMMUNITY, weeks: int = COHORT_WEEKS
) -> list[CohortRow]:
    """The ``weeks`` join weeks up to ``end``'s week, newest last, each followed for ``weeks`` weeks."""
    last = week_start(end)
    first = last - timedelta(days=7 * (weeks - 1))
    w = CommunityCohortWeek
    cells = session.execute(
        select(w.cohort_week, w.week_offset, w.cohort_size, w.active).where(
            w.community_id == community_id,
            w.squad_id == squad_id,
            w.cohort_week >= first,
            w.cohort_week <= last,
            w.week_offset < weeks,
        )
    ).all()
    by_week: dict[date, dict[int, tuple[int, int]]] = {}
    for cell in cells:
        by_week.setdefault(cell.cohort_week, {})[cell.week_offset] = (cell.cohort_size, cell.active)
    rows = []
    for week, offsets in sorted(by_week.items()):
        size = offsets.get(0, next(iter(offsets.values())))[0]
        retention = [share(offsets[k][1], offsets[k][0]) if k in offsets else None for k in range(weeks)]
        rows.append(CohortRow(week=week, size=size, retention=retention))
    return rows


def squad_challenge(session: Session, squad, challenge: Challenge, start: date, end: date):
    """The squad's challenge's figures with its settled days counted over the squad."""
    found = challenge_figures(session, challenge.community_id, start, end)
    found = [figures for figures in found if figures.id == challenge.id]
    settled, so_far = [], 0
    for day in squads.squad_days(session, squad):
        so_far += day.eliminated
        settled.append(ChallengeDay(**vars(day), eliminated_so_far=so_far))
    return [replace(figures, settled=settled) for figures in found]


def community_health(
    session: Session,
    community_id: int,
    viewer: Member | None,
    *,
    start: date | None,
    end: date | None,
    now: datetime,
    squad_id: int | None = None,
) -> Health:
    """The health of a community (or of one of its squads) over a period, for its organizers
    (NotFound for anyone else, and for a squad not in the community)."""
    community = visible_community(session, community_id, viewer, Audience.ORGANIZERS)
    choices = tuple(squads.community_squads(session, community.id))
    squad = None
    if squad_id is not None:
        squad, challenge = squads.squad_of_community(session, community, squad_id)
    start, end = period(community.timezone, start, end, now=now)
    refreshed_at = session.scalar(
        select(HealthRefresh.refreshed_at).where(HealthRefresh.community_id == community.id)
    )
    if squad is not None:
        return Health(
            community_id=community.id,
            timezone=community.timezone,
            start=start,
            end=end,
            days=day_figures(session, community.id, start, end, squad.id),
            challenges=squad_challenge(session, squad, challenge, start, end),
            cohorts=[],
            alert_bps=community.health_alert_bps,
            refreshed_at=refreshed_at,
            squad=SquadChoice(squad.id, squad.number, challenge.id, challenge.title),
            squads=choices,
        )
    return Health(
        community_id=community.id,
        timezone=community.timezone,
        start=start,
        end=end,
        days=day_figures(session, community.id, start, end),
        challenges=challenge_figures(session, community.id, start, end),
        cohorts=cohort_rows(session, community.id, end),
        alert_bps=community.health_alert_bps,
        refreshed_at=refreshed_at,
        squads=choices,
    )
