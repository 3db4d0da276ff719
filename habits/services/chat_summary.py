"""The daily chat summary: claimed once per community and local date, written as facts.

Each minute the job looks for hooks whose summary time has come in their community's zone and
whose summary of that date is not claimed yet; it claims one by inserting its ``chat_deliveries``
row (unique community + date, ``ON CONFLICT DO NOTHING``) with the day's facts, in one commit, so
any number of scheduler processes post each summary once. The relay posts it.

The facts, per challenge whose day falls on that date: who checked in (valid check-ins of the
day, by squad once squads exist: ``squad_counts``), the earliest risers (rank of the day), the
streak milestones reached that day (``habits.domain.streaks`` and ``milestones``), the members
eliminated at the last settlement, and the pot (minor units; written by the reader's money rule).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.milestones import milestone
from habits.domain.streaks import challenge_streak
from habits.models import (
    Challenge,
    ChallengeStatus,
    ChatDelivery,
    ChatDeliveryStatus,
    ChatPurpose,
    ChatWebhook,
    CheckIn,
    Community,
    Enrollment,
    ExcusedDay,
    Member,
    RestDay,
)
from habits.services.challenges import pot_minor
from habits.services.squads import reading as squad_reading

log = logging.getLogger(__name__)

#: names one list of a summary shows (then "and N more")
NAMES_SHOWN = 10
RISERS_SHOWN = 3
#: hooks one run claims summaries for (the job runs again a minute later)
BATCH = 50


@dataclass
class SummaryResult:
    claimed: list[int] = field(default_factory=list)


def community_zone(community: Community) -> ZoneInfo:
    """The community's zone (SPEC: its ``timezone``, set from its organizer's when it is made)."""
    try:
        return ZoneInfo(community.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def due_summaries(session: Session, *, now: datetime, limit: int = BATCH) -> list[tuple[ChatWebhook, date]]:
    """Hooks whose summary time has come today in their community's zone, with that date, whose
    summary of that date is not claimed yet."""
    rows = session.execute(
        select(ChatWebhook, Community)
        .join(Community, Community.id == ChatWebhook.community_id)
        .order_by(ChatWebhook.id)
    ).all()
    candidates = []
    for hook, community in rows:
        local = now.astimezone(community_zone(community))
        if local.hour * 60 + local.minute >= hook.summary_minute:
            candidates.append((hook, local.date()))
    if not candidates:
        return []
    taken = set(
        session.execute(
            select(ChatDelivery.community_id, ChatDelivery.summary_date).where(
                ChatDelivery.community_id.in_([hook.community_id for hook, _ in candidates]),
                ChatDelivery.summary_date.in_({day for _, day in candidates}),
            )
        ).all()
    )
    return [(hook, day) for hook, day in candidates if (hook.community_id, day) not in taken][:limit]


def claim(session: Session, community_id: int, on: date, *, now: datetime) -> int | None:
    """Take the community's summary of ``on``: its delivery's id, or None when another run has it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ChatDelivery.__table__
    return session.scalar(
        insert(table)
        .values(
            community_id=community_id,
            purpose=ChatPurpose.SUMMARY.value,
            summary_date=on,
            params={},
            status=ChatDeliveryStatus.QUEUED.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["community_id", "summary_date"])
        .returning(table.c.id)
    )


def claim_due_summaries(session: Session, *, now: datetime, commit) -> SummaryResult:
    """Claim and write each due summary, one commit each (a failure releases only its own)."""
    result = SummaryResult()
    for hook, on in due_summaries(session, now=now):
        delivery_id = claim(session, hook.community_id, on, now=now)
        if delivery_id is None:  # another scheduler took it first
            continue
        try:
            community = session.get(Community, hook.community_id)
            session.get(ChatDelivery, delivery_id).params = summary_facts(session, community, on=on)
            commit()
        except Exception:  # a bug in one summary: its claim is released, the others go on
            session.rollback()
            log.exception("chat summary of community %s on %s could not be written", hook.community_id, on)
            continue
        result.claimed.append(delivery_id)
    return result


def squad_counts(session: Session, challenge: Challenge, day: int) -> list[dict]:
    """Check-ins of ``day`` per squad: ``[{"number", "checked_in", "taking_part"}]`` (the squad's
    current members), empty for a challenge without squads."""
    return [
        {"number": n.squad.number, "checked_in": n.checked_in_today, "taking_part": n.members}
        for n in squad_reading.squad_numbers(session, challenge, day=day)
    ]


def summary_facts(session: Session, community: Community, *, on: date) -> dict:
    """What the summary of ``on`` says, as JSON-ready facts (names, counts, minor units)."""
    challenges = session.scalars(
        select(Challenge)
        .where(Challenge.community_id == community.id, Challenge.status == ChallengeStatus.RUNNING)
        .order_by(Challenge.id)
    ).all()
    items = []
    for challenge in challenges:
        day = (on - challenge.start_date).days
        if 0 <= day < challenge.days:
            items.append(_challenge_facts(session, challenge, day))
    zone = community_zone(community).key
    return {"community": community.name, "date": on.isoformat(), "zone": zone, "challenges": items}


def _challenge_facts(session: Session, challenge: Challenge, day: int) -> dict:
    valid = (CheckIn.challenge_id == challenge.id, CheckIn.voided_at.is_(None))
    checked_in = session.scalar(select(func.count()).where(*valid, CheckIn.day_index == day)) or 0
    taking_part = (
        session.scalar(
            select(func.count()).where(
                Enrollment.challenge_id == challenge.id, Enrollment.status == EnrollmentStatus.ACTIVE
            )
        )
        or 0
    )
    risers = session.execute(
        select(Member.display_name, CheckIn.checked_in_at)
        .join(Enrollment, Enrollment.id == CheckIn.enrollment_id)
        .join(Member, Member.id == Enrollment.member_id)
        .where(*valid, CheckIn.day_index == day)
        .order_by(CheckIn.checked_in_at, CheckIn.enrollment_id)
        .limit(RISERS_SHOWN)
    ).all()
    eliminated = session.scalars(
        select(Member.display_name)
        .join(Enrollment, Enrollment.member_id == Member.id)
        .where(
            Enrollment.challenge_id == challenge.id,
            Enrollment.status == EnrollmentStatus.ELIMINATED,
            Enrollment.ended_day_index == day - 1,
        )
        .order_by(Enrollment.id)
    ).all()
    return {
        "title": challenge.title,
        "day_index": day,
        "checked_in": checked_in,
        "taking_part": taking_part,
        "squads": squad_counts(session, challenge, day),
        "risers": [{"name": name, "at": at.isoformat()} for name, at in risers],
        "milestones": _milestones(session, challenge, day),
        "eliminated": list(eliminated[:NAMES_SHOWN]),
        "eliminated_more": max(0, len(eliminated) - NAMES_SHOWN),
        "pot_minor": pot_minor(session, challenge),
        "currency": challenge.currency,
    }


def _milestones(session: Session, challenge: Challenge, day: int) -> list[dict]:
    """Members whose streak in the challenge reached a milestone with ``day``'s check-in."""
    today = select(CheckIn.enrollment_id).where(
        CheckIn.challenge_id == challenge.id, CheckIn.voided_at.is_(None), CheckIn.day_index == day
    )
    days: dict[int, set[int]] = defaultdict(set)
    for enrollment_id, index in session.execute(
        select(CheckIn.enrollment_id, CheckIn.day_index).where(
            CheckIn.enrollment_id.in_(today), CheckIn.voided_at.is_(None), CheckIn.day_index <= day
        )
    ):
        days[enrollment_id].add(index)
    if not days:
        return []
    excused = set(
        session.scalars(
            select(ExcusedDay.day_index).where(
                ExcusedDay.challenge_id == challenge.id, ExcusedDay.day_index <= day
            )
        )
    )
    rests: dict[int, set[int]] = defaultdict(set)
    for enrollment_id, index in session.execute(
        select(RestDay.enrollment_id, RestDay.day_index).where(RestDay.enrollment_id.in_(list(days)))
    ):
        rests[enrollment_id].add(index)
    names = dict(
        session.execute(
            select(Enrollment.id, Member.display_name)
            .join(Member, Member.id == Enrollment.member_id)
            .where(Enrollment.id.in_(list(days)))
        ).all()
    )
    reached = []
    for enrollment_id in sorted(days):
        streak = challenge_streak(
            days[enrollment_id], last_opened=day, last_is_open=False, neutral=excused | rests[enrollment_id]
        )
        if (length := milestone(streak.current)) is not None:
            reached.append({"name": names.get(enrollment_id, ""), "days": length})
    reached.sort(key=lambda item: (-item["days"], item["name"]))
    return reached[:NAMES_SHOWN]
