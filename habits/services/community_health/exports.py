"""The organizers' CSV exports of a community: members, check-ins, settlements.

Each export is an ``Export``: its header and a generator of rows read through a server-side
cursor (``yield_per``), so a community of 100,000 members is never held in memory; the edge
streams the rows as CSV (``habits.domain.csv_cells.stream_csv``, which escapes every cell).
Authorization happens in ``export``, before anything streams, so a caller who may not see the
community gets a 404, not an empty file.

Money is in minor units, days are SPEC's k (0-based), instants RFC 3339 UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from habits.domain.instants import rfc3339_utc
from habits.models import (
    Challenge,
    CheckIn,
    Community,
    CommunityMembership,
    DaySettlement,
    Enrollment,
    Member,
    MemberTag,
)
from habits.services.errors import NotFound
from habits.services.visibility import Audience, visible_community

#: rows fetched from the cursor at a time
YIELD_PER = 1000


def _instant(value) -> str:
    return rfc3339_utc(value) if value is not None else ""


@dataclass(frozen=True)
class Export:
    filename: str
    header: list[str]
    rows: Iterator[list]

    def lines(self) -> Iterator[list]:
        """The header, then the rows."""
        yield self.header
        yield from self.rows


@dataclass(frozen=True)
class MemberColumn:
    """One column of the members' export: its header and its value from a row of
    ``MEMBER_FIELDS`` (plain columns read from the cursor, no ORM objects).

    The extension point for what members tell at the door: registration-form fields and tags
    add their columns to ``member_columns`` (one per form field, one for the tags), and what they
    read to ``MEMBER_FIELDS``."""

    header: str
    value: Callable[[Row], object]


#: what the members' export reads, one row per membership
MEMBER_FIELDS = (
    Member.id.label("member_id"),
    Member.display_name,
    CommunityMembership.role,
    CommunityMembership.status,
    CommunityMembership.joined_at,
    CommunityMembership.left_at,
    CommunityMembership.answers,
)

BASE_MEMBER_COLUMNS = [
    MemberColumn("member_id", lambda row: row.member_id),
    MemberColumn("display_name", lambda row: row.display_name),
    MemberColumn("role", lambda row: str(row.role)),
    MemberColumn("status", lambda row: str(row.status)),
    MemberColumn("joined_at", lambda row: _instant(row.joined_at)),
    MemberColumn("left_at", lambda row: _instant(row.left_at)),
]


def _answer(key: str) -> Callable[[Row], object]:
    def value(row: Row) -> object:
        answers = row.answers if isinstance(row.answers, dict) else {}
        found = answers.get(key)
        return "" if found is None else found

    return value


def member_columns(community: Community) -> list[MemberColumn]:
    """The base columns, the member's tags, then one column per field of the registration form
    (habits.services.entry) with each member's answer."""
    fields = community.entry_form or []
    return [
        *BASE_MEMBER_COLUMNS,
        MemberColumn("tags", lambda row: row.tags or ""),
        *(MemberColumn(f"answer: {field['label']}", _answer(field["key"])) for field in fields),
    ]


def _members(session: Session, community: Community) -> Export:
    columns = member_columns(community)
    tags = (
        select(func.aggregate_strings(MemberTag.tag, " "))
        .where(MemberTag.community_id == community.id, MemberTag.member_id == Member.id)
        .scalar_subquery()
        .label("tags")
    )
    query = (
        select(*MEMBER_FIELDS, tags)
        .select_from(CommunityMembership)
        .join(Member, Member.id == CommunityMembership.member_id)
        .where(CommunityMembership.community_id == community.id)
        .order_by(CommunityMembership.id)
        .execution_options(yield_per=YIELD_PER)
    )

    def rows() -> Iterator[list]:
        for row in session.execute(query):
            yield [column.value(row) for column in columns]

    return Export(f"community-{community.id}-members.csv", [column.header for column in columns], rows())


CHECKIN_HEADER = [
    "check_in_id", "challenge_id", "challenge", "day_index", "enrollment_id", "member_id", "display_name",
    "checked_in_at", "source", "value", "note", "voided_at", "void_reason",
]  # fmt: skip


def _checkins(session: Session, community: Community) -> Export:
    ci = CheckIn.__table__
    query = (
        select(
            ci.c.id,
            ci.c.challenge_id,
            Challenge.title,
            ci.c.day_index,
            ci.c.enrollment_id,
            Member.id,
            Member.display_name,
            ci.c.checked_in_at,
            ci.c.source,
            ci.c.value,
            ci.c.note,
            ci.c.voided_at,
            ci.c.void_reason,
        )  # fmt: skip
        .select_from(ci)
        .join(Challenge, Challenge.id == ci.c.challenge_id)
        .join(Enrollment, Enrollment.id == ci.c.enrollment_id)
        .join(Member, Member.id == Enrollment.member_id)
        .where(Challenge.community_id == community.id)
        .order_by(ci.c.id)
        .execution_options(yield_per=YIELD_PER)
    )

    def rows() -> Iterator[list]:
        for row in session.execute(query):
            row = list(row)
            row[7], row[11] = _instant(row[7]), _instant(row[11])
            yield row

    return Export(f"community-{community.id}-checkins.csv", CHECKIN_HEADER, rows())


SETTLEMENT_COLUMNS = [
    "challenge_id", "day_index", "status", "currency", "stake_minor", "carried_in_minor", "forfeited_minor",
    "pot_minor", "fee_minor", "split_minor", "carried_minor", "final_split_minor", "unclaimed_minor",
    "returned_minor", "winners", "rest_days", "misses", "eliminated", "withdrawn", "completed", "settled_at",
]  # fmt: skip


def _settlements(session: Session, community: Community) -> Export:
    s = DaySettlement.__table__
    query = (
        select(*(s.c[name] for name in SETTLEMENT_COLUMNS))
        .join(Challenge, Challenge.id == s.c.challenge_id)
        .where(Challenge.community_id == community.id)
        .order_by(s.c.challenge_id, s.c.day_index)
        .execution_options(yield_per=YIELD_PER)
    )

    def rows() -> Iterator[list]:
        for row in session.execute(query):
            row = list(row)
            row[-1] = _instant(row[-1])
            yield row

    return Export(f"community-{community.id}-settlements.csv", SETTLEMENT_COLUMNS, rows())


EXPORTS: dict[str, Callable[[Session, Community], Export]] = {
    "members": _members,
    "checkins": _checkins,
    "settlements": _settlements,
}


def export(session: Session, community_id: int, viewer: Member | None, kind: str) -> Export:
    """The export ``kind`` of the community, for its organizers (NotFound for anyone else, and
    for a kind that does not exist)."""
    community = visible_community(session, community_id, viewer, Audience.ORGANIZERS)
    if kind not in EXPORTS:
        raise NotFound(f"There is no export {kind!r}.")
    return EXPORTS[kind](session, community)
