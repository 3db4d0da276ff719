"""Keeping the health aggregates up to date, set-based: one INSERT ... SELECT ... ON CONFLICT DO
UPDATE per (community, date), one per date for all the community's squads together, and one per
week of cohort cells, never one Python object per member or check-in.

What a date's figures count is final once the check-ins of that date can no longer change (an
organizer may void, or record an appeal, until the day is due: its window's close plus the review
time). So each run refreshes the community's dates from ``TRAILING_DAYS`` before the last date it
refreshed up to today, and every date since the community began on its first run.

A scheduler claims a community for a lease (``community_health_refresh``: a compare-and-set
UPDATE on its row, which PostgreSQL serialises on the row lock and SQLite on its one writer), so
two scheduler processes never refresh the same community at once; a dead claim runs out.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Integer, and_, func, literal, or_, select, true, union_all, update
from sqlalchemy.orm import Session, aliased

from habits.domain.health import SURVIVAL_DAYS, SURVIVAL_WINDOW_DAYS, week_start
from habits.models import (
    WHOLE_COMMUNITY,
    Challenge,
    CheckIn,
    Community,
    CommunityCohortWeek,
    CommunityDailyHealth,
    CommunityMembership,
    Enrollment,
    HealthRefresh,
    Squad,
    SquadMember,
)
from habits.services.community_health import counting
from habits.services.community_health.counting import insert_for, start_of

#: dates before the last one refreshed that are refreshed again (check-ins can change until due)
TRAILING_DAYS = 3
#: a community's figures are refreshed at most this often
REFRESH_EVERY = timedelta(minutes=5)
#: how long a claim holds before another scheduler may take the community over
LEASE = timedelta(minutes=10)
#: communities one run claims at most
BATCH = 20


DAY_COLUMNS = [
    "community_id", "squad_id", "day", "members", "active", "joined",
    "cohort7_joined", "cohort7_kept", "cohort30_joined", "cohort30_kept", "refreshed_at",
]  # fmt: skip


def _upsert(session: Session, table, columns: list[str], rows, keys: list[str]) -> None:
    statement = insert_for(session, table).from_select(columns, rows)
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: statement.excluded[name] for name in columns if name not in keys},
    )
    session.execute(statement)


def _count(condition, m) -> select:
    return select(func.count()).select_from(m).where(condition).scalar_subquery()


def refresh_day(session: Session, community: Community, day: date, *, now: datetime) -> None:
    """The community's row of local date ``day``: one INSERT ... SELECT of counts."""
    zone, c = community.timezone, community.id
    start, end = start_of(zone, day), start_of(zone, day + timedelta(days=1))
    m = aliased(CommunityMembership)
    mine = m.community_id == c
    members = _count(and_(mine, counting.member_at(end, m)), m)
    active_members = (
        counting.valid_checkins(c, start, end)
        .join(m, and_(m.member_id == counting.Enrollment.member_id, mine))
        .where(counting.member_at(end, m))
        .distinct()
        .subquery()
    )
    active = select(func.count()).select_from(active_members).scalar_subquery()
    joined = _count(and_(mine, counting.joined_between(start, end, m)), m)
    cohorts = []
    window_start = start_of(zone, day - timedelta(days=SURVIVAL_WINDOW_DAYS - 1))
    for horizon in SURVIVAL_DAYS:
        joined_day = day - timedelta(days=horizon)
        cohort = and_(
            mine,
            counting.joined_between(
                start_of(zone, joined_day), start_of(zone, joined_day + timedelta(days=1)), m
            ),
        )
        cohorts += [_count(cohort, m), _count(and_(cohort, counting.checked_in(c, window_start, end, m)), m)]
    row = select(
        literal(c, Integer), literal(WHOLE_COMMUNITY, Integer), literal(day, Date), members, active, joined,
        *cohorts, literal(now, CommunityDailyHealth.refreshed_at.type),
    )  # fmt: skip
    _upsert(session, CommunityDailyHealth.__table__, DAY_COLUMNS, row, ["community_id", "squad_id", "day"])


def challenges_running(session: Session, community: Community, day: date) -> list[tuple[int, int]]:
    """The community's challenges with squads whose days include local date ``day``, each with
    the day index ``day`` is in it: ``(challenge id, k)``. (A challenge's dates are taken as the
    community's: the two zones are the organizer's unless changed.)"""
    has_squads = select(Squad.id).where(Squad.challenge_id == Challenge.id).exists()
    rows = session.execute(
        select(Challenge.id, Challenge.start_date, Challenge.days).where(
            Challenge.community_id == community.id, Challenge.start_date <= day, has_squads
        )
    ).all()
    return [(ch, (day - start).days) for ch, start, length in rows if (day - start).days < length]


def refresh_squads_day(session: Session, community: Community, day: date, *, now: datetime) -> None:
    """Every squad's row of local date ``day``, in one INSERT ... SELECT grouped by squad (see
    docs/community-health.md): the squad's members are the enrollments now assigned to it that
    still take part in the day (not ended before it) and whose member belongs to the community
    at the end of ``day``; its active ones have a valid check-in stamped on ``day`` in it.
    Survival has no meaning for a squad (nobody joins one), so its cohort columns stay 0."""
    running = challenges_running(session, community, day)
    if not running:
        return
    zone, c = community.timezone, community.id
    start, end = start_of(zone, day), start_of(zone, day + timedelta(days=1))
    e, m = aliased(Enrollment), aliased(CommunityMembership)
    taking_part = or_(
        *(
            and_(Squad.challenge_id == challenge_id, or_(e.ended_day_index.is_(None), e.ended_day_index >= k))
            for challenge_id, k in running
        )
    )
    active = (
        select(CheckIn.enrollment_id)
        .where(
            CheckIn.challenge_id.in_([challenge_id for challenge_id, _ in running]),
            CheckIn.voided_at.is_(None),
            CheckIn.checked_in_at >= start,
            CheckIn.checked_in_at < end,
        )
        .distinct()
        .subquery("active")
    )
    row = (
        select(
            literal(c, Integer),
            SquadMember.squad_id,
            literal(day, Date),
            func.count(),
            func.count(active.c.enrollment_id),
            *(literal(0, Integer) for _ in range(5)),
            literal(now, CommunityDailyHealth.refreshed_at.type),
        )
        .select_from(SquadMember)
        .join(Squad, Squad.id == SquadMember.squad_id)
        .join(e, e.id == SquadMember.enrollment_id)
        .join(m, and_(m.community_id == c, m.member_id == e.member_id))
        .outerjoin(active, active.c.enrollment_id == SquadMember.enrollment_id)
        .where(
            SquadMember.challenge_id.in_([challenge_id for challenge_id, _ in running]),
            Squad.created_at < end,
            taking_part,
            counting.member_at(end, m),
        )
        .group_by(SquadMember.squad_id)
    )
    _upsert(session, CommunityDailyHealth.__table__, DAY_COLUMNS, row, ["community_id", "squad_id", "day"])


def refresh_week(
    session: Session, community: Community, week: date, *, first_week: date, now: datetime
) -> None:
    """The cohort cells of the local week beginning ``week`` (a Monday): for every join week up to
    it, how many of its members checked in during ``week``. One INSERT ... SELECT: the week's
    active members are found once, and the memberships are bucketed by join week (a VALUES list
    of the weeks' bounds in the community's zone)."""
    zone, c = community.timezone, community.id
    instant = CommunityCohortWeek.refreshed_at.type
    cohort_weeks = []
    cohort_week = first_week
    while cohort_week <= week:
        bounds = start_of(zone, cohort_week), start_of(zone, cohort_week + timedelta(days=7))
        cohort_weeks.append((cohort_week, (week - cohort_week).days // 7, *bounds))
        cohort_week += timedelta(days=7)
    if not cohort_weeks:
        return
    # the weeks' bounds as rows (UNION ALL of literals: SQLite has no VALUES with column names)
    buckets = union_all(
        *(
            select(
                literal(cohort, Date).label("cohort_week"),
                literal(offset, Integer).label("week_offset"),
                literal(start, instant).label("joined_from"),
                literal(end, instant).label("joined_until"),
            )
            for cohort, offset, start, end in cohort_weeks
        )
    ).subquery("buckets")
    active = (
        counting.valid_checkins(c, start_of(zone, week), start_of(zone, week + timedelta(days=7)))
        .distinct()
        .subquery("active")
    )
    m = aliased(CommunityMembership)
    row = (
        select(
            literal(c, Integer),
            literal(WHOLE_COMMUNITY, Integer),
            buckets.c.cohort_week,
            buckets.c.week_offset,
            func.count(m.id),
            func.count(active.c.member_id),
            literal(now, instant),
        )
        .select_from(buckets)
        .outerjoin(
            m,
            and_(
                m.community_id == c,
                counting.counted(m),
                m.joined_at >= buckets.c.joined_from,
                m.joined_at < buckets.c.joined_until,
            ),
        )
        .outerjoin(active, active.c.member_id == m.member_id)
        .where(true())  # SQLite: an INSERT ... SELECT with a join needs a WHERE before ON CONFLICT
        .group_by(buckets.c.cohort_week, buckets.c.week_offset)
    )
    columns = [
        "community_id",
        "squad_id",
        "cohort_week",
        "week_offset",
        "cohort_size",
        "active",
        "refreshed_at",
    ]
    _upsert(
        session,
        CommunityCohortWeek.__table__,
        columns,
        row,
        ["community_id", "squad_id", "cohort_week", "week_offset"],
    )


def dates_to_refresh(community: Community, refreshed_through: date | None, *, now: datetime) -> list[date]:
    """From ``TRAILING_DAYS`` before the last date refreshed (or the community's first date) to today."""
    first = counting.local_date(community.timezone, community.created_at)
    today = counting.local_date(community.timezone, now)
    if refreshed_through is not None:
        first = max(first, min(refreshed_through, today) - timedelta(days=TRAILING_DAYS))
    return counting.days(first, today)


def refresh_community(
    session: Session, community: Community, *, now: datetime, refreshed_through: date | None = None
) -> list[date]:
    """Refresh the community's dates (see ``dates_to_refresh``) and the cohort weeks they fall in;
    the dates refreshed. Flushes, never commits."""
    dates = dates_to_refresh(community, refreshed_through, now=now)
    for day in dates:
        refresh_day(session, community, day, now=now)
        refresh_squads_day(session, community, day, now=now)
    first_week = week_start(counting.local_date(community.timezone, community.created_at))
    for week in sorted({week_start(day) for day in dates}):
        refresh_week(session, community, week, first_week=first_week, now=now)
    return dates


@dataclass
class RefreshRun:
    refreshed: list[int] = field(default_factory=list)
    alerted: list[int] = field(default_factory=list)


def _enrol_new_communities(session: Session) -> None:
    r = HealthRefresh.__table__
    missing = select(Community.id).where(
        ~select(r.c.community_id).where(r.c.community_id == Community.id).exists()
    )
    session.execute(insert_for(session, r).from_select(["community_id"], missing).on_conflict_do_nothing())


def _claim(session: Session, community_id: int, *, now: datetime) -> str | None:
    """Take the community's refresh for a lease; the claim's token, or None when another
    scheduler holds it or its figures are fresh."""
    r = HealthRefresh
    token = secrets.token_hex(16)
    claimed = session.execute(
        update(r)
        .where(
            r.community_id == community_id,
            or_(r.claimed_until.is_(None), r.claimed_until <= now),
            or_(r.refreshed_at.is_(None), r.refreshed_at <= now - REFRESH_EVERY),
        )
        .values(claimed_until=now + LEASE, claim_token=token)
        .returning(r.community_id)
    ).first()
    return token if claimed is not None else None


def refresh_due(
    session: Session,
    *,
    now: datetime,
    commit: Callable[[], None],
    after_refresh: Callable[[Community, list[date]], bool] | None = None,
) -> RefreshRun:
    """Refresh every community whose figures are due, each under its own claim and commit.
    ``after_refresh(community, dates)`` runs in the same transaction (the alerts); True when it
    told someone."""
    run = RefreshRun()
    _enrol_new_communities(session)
    commit()
    r = HealthRefresh
    due = session.scalars(
        select(r.community_id)
        .where(
            or_(r.claimed_until.is_(None), r.claimed_until <= now),
            or_(r.refreshed_at.is_(None), r.refreshed_at <= now - REFRESH_EVERY),
        )
        .order_by(r.refreshed_at.is_not(None), r.refreshed_at, r.community_id)
        .limit(BATCH)
    ).all()
    for community_id in due:
        token = _claim(session, community_id, now=now)
        commit()
        if token is None:
            continue
        state = session.get(r, community_id)
        community = session.get(Community, community_id)
        dates = refresh_community(session, community, now=now, refreshed_through=state.refreshed_through)
        if after_refresh is not None and after_refresh(community, dates):
            run.alerted.append(community_id)
        session.execute(
            update(r)
            .where(r.community_id == community_id, r.claim_token == token)
            .values(
                refreshed_through=dates[-1] if dates else state.refreshed_through,
                refreshed_at=now,
                claimed_until=None,
                claim_token=None,
            )
        )
        commit()
        run.refreshed.append(community_id)
    return run
