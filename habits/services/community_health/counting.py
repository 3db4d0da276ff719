"""The SQL of SPEC's definitions, one expression each, shared by the refresh and the exports.

A local date d of the community's zone is the instants ``[start(d), start(d + 1))``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habits.domain.calendar import local_instant
from habits.models import Challenge, CheckIn, CommunityMembership, Enrollment, MembershipStatus
from habits.services.notifications.sql import dialect


def start_of(zone: ZoneInfo | str, day: date) -> datetime:
    """The UTC instant local ``day`` begins in ``zone``."""
    return local_instant(zone, day, 0)


def local_date(zone: ZoneInfo | str, instant: datetime) -> date:
    zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return instant.astimezone(zone).date()


def community_challenges(community_id: int):
    return select(Challenge.id).where(Challenge.community_id == community_id).scalar_subquery()


def counted(m=CommunityMembership) -> ColumnElement:
    """A membership that was ever in the community (an approval still pending never was)."""
    return m.status != MembershipStatus.PENDING


def member_at(end: datetime, m=CommunityMembership) -> ColumnElement:
    """SPEC's members(d): memberships active at the instant ``end`` (the end of d)."""
    return and_(
        counted(m),
        m.joined_at < end,
        or_(m.status == MembershipStatus.ACTIVE, and_(m.left_at.is_not(None), m.left_at >= end)),
    )


def joined_between(start: datetime, end: datetime, m=CommunityMembership) -> ColumnElement:
    return and_(counted(m), m.joined_at >= start, m.joined_at < end)


def valid_checkins(community_id: int, start: datetime, end: datetime):
    """The community's valid (not voided) check-ins stamped within ``[start, end)``, with the
    member who made each: columns ``member_id``."""
    return (
        select(Enrollment.member_id)
        .select_from(CheckIn)
        .join(Enrollment, Enrollment.id == CheckIn.enrollment_id)
        .where(
            CheckIn.challenge_id.in_(community_challenges(community_id)),
            CheckIn.voided_at.is_(None),
            CheckIn.checked_in_at >= start,
            CheckIn.checked_in_at < end,
        )
    )


def checked_in(community_id: int, start: datetime, end: datetime, m=CommunityMembership) -> ColumnElement:
    """The membership's member has a valid check-in within ``[start, end)`` in any of the
    community's challenges."""
    return exists(valid_checkins(community_id, start, end).where(Enrollment.member_id == m.member_id))


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def insert_for(session: Session, table):
    """The dialect's INSERT (for ON CONFLICT)."""
    return (postgresql.insert if dialect(session) == "postgresql" else sqlite.insert)(table)
