"""A check-in's standing: its rank of the day and its member's streak (SPEC, "Streaks, rank and levels").

The rank is a check-in's position among the valid check-ins of its challenge day in arrival
order. Each check-in draws its **arrival number** when its row is written: on PostgreSQL from a
sequence of its challenge day (``check_in_arrival``, models/checkin.py, which names and makes the
sequence); on SQLite, a single writer, as the day's highest number plus one. A sequence hands out
numbers without a row lock and outside transactions, so the wake-up spike's taps never queue on a
counter row, and a tap's rank is arithmetic on its own number:

    rank = arrival_no - (voided check-ins of the day that arrived before it)
                      - (holes of the day before it)

Both subtractions read small indexes that are usually empty. A **hole** is a number that no
check-in holds: the old number of a reinstated check-in (an appeal draws a new one). A second tap
of a member draws nothing, even racing the first: the draw takes the member's own lock (an
advisory lock on the enrollment, never shared with another member) and looks for the day's row
with a fresh snapshot, so a number is never drawn for a row the unique key then refuses.

The instant that orders the rank is the moment the row is written, which the arrival number
records: ``checked_in_at`` is the request's clock, read before the statement, and two taps in
flight together may read their clocks in one order and reach the database in the other; the
sequence's order is the one every tap can know at once. Arrival numbers are unique in a day, so
the SPEC's tie on enrollment id never arises. What one tap is told equals the exact ranking of the
stored rows (``exact_ranks``) as long as no check-in of the day is voided or reinstated later and
no transaction that drew a number rolls back (a crash between the draw and the commit: each tap is
one autocommitted statement, so only a failure of the database itself leaves such a gap).

The streak is the member's current streak in the challenge (domain/streaks.py) from the days of
their valid check-ins, their rest days and the challenge's excused days: three small index ranges,
read in the tap's own statement on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, insert, literal, select, tuple_, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from habits.domain.streaks import challenge_streak
from habits.models import Challenge, CheckIn, CheckInArrivalHole, ExcusedDay, RestDay
from habits.services.checkins.windows import window_table

_CHECK_INS, _HOLES = CheckIn.__table__, CheckInArrivalHole.__table__
_REST, _EXCUSED = RestDay.__table__, ExcusedDay.__table__


@dataclass(frozen=True)
class CheckInStanding:
    #: position among the day's valid check-ins (None for a voided check-in, or one written
    #: before arrival numbers existed)
    rank_of_day: int | None
    #: the member's current streak in the challenge
    streak: int


def arrival_draw(
    dialect: str, challenge_id: ColumnElement, day_index: ColumnElement, enrollment_id: ColumnElement | None
) -> ColumnElement:
    """The SQL that draws the next arrival number of a challenge day, inside the INSERT. Given
    ``enrollment_id``, it draws nothing (NULL) when that enrollment already has the day's check-in:
    the INSERT's unique key then refuses the row, and no number was spent on it."""
    if dialect == "postgresql":
        return func.check_in_arrival(challenge_id, day_index, enrollment_id)
    # SQLite writes one transaction at a time: the day's highest number is settled, and a refused
    # row spends nothing
    return (
        select(func.coalesce(func.max(_CHECK_INS.c.arrival_no), 0) + 1)
        .where(_CHECK_INS.c.challenge_id == challenge_id, _CHECK_INS.c.day_index == day_index)
        .scalar_subquery()
    )


def forget_day_arrivals(session: Session, challenge_id: int, day_index: int) -> None:
    """A settled day draws no more arrival numbers: its sequence goes (PostgreSQL; ``models/checkin.py``
    says why that is safe). On SQLite there is no sequence to forget."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.check_in_arrivals_done(challenge_id, day_index)))


def rank_expression(challenge_id, day_index, arrival_no) -> ColumnElement:
    """Rank of the check-in numbered ``arrival_no`` in its challenge day (the module's formula)."""
    voided = _CHECK_INS.alias("voided")  # never correlated with a check_ins row outside
    voided_before = (
        select(func.count())
        .select_from(voided)
        .where(
            voided.c.challenge_id == challenge_id,
            voided.c.day_index == day_index,
            voided.c.voided_at.is_not(None),
            voided.c.arrival_no < arrival_no,
        )
        .scalar_subquery()
    )
    holes_before = (
        select(func.count())
        .select_from(_HOLES)
        .where(
            _HOLES.c.challenge_id == challenge_id,
            _HOLES.c.day_index == day_index,
            _HOLES.c.arrival_no < arrival_no,
        )
        .scalar_subquery()
    )
    return arrival_no - voided_before - holes_before


def first_of_day(challenge_id: int, day_index: int, count: int):
    """The ``count`` earliest valid check-ins of a challenge day, as a subquery (enrollment_id,
    rank): by arrival number, and ranked by :func:`rank_expression`, the rank their taps were told
    (the riser badges read it here, so a badge and a 201 never disagree)."""
    c = _CHECK_INS
    first = (
        select(c.c.enrollment_id, c.c.challenge_id, c.c.day_index, c.c.arrival_no)
        .where(
            c.c.challenge_id == challenge_id,
            c.c.day_index == day_index,
            c.c.voided_at.is_(None),
            c.c.arrival_no.is_not(None),
        )
        .order_by(c.c.arrival_no)
        .limit(count)
        .subquery("first")
    )
    return select(
        first.c.enrollment_id,
        rank_expression(first.c.challenge_id, first.c.day_index, first.c.arrival_no).label("rank"),
    ).subquery("ranked")


def streak_day_arrays(enrollment_id, challenge_id) -> tuple[ColumnElement, ColumnElement, ColumnElement]:
    """PostgreSQL: (days of valid check-ins, rest days, excused days) as arrays, for one statement."""
    return (
        select(func.array_agg(_CHECK_INS.c.day_index))
        .where(_CHECK_INS.c.enrollment_id == enrollment_id, _CHECK_INS.c.voided_at.is_(None))
        .scalar_subquery(),
        select(func.array_agg(_REST.c.day_index))
        .where(_REST.c.enrollment_id == enrollment_id)
        .scalar_subquery(),
        select(func.array_agg(_EXCUSED.c.day_index))
        .where(_EXCUSED.c.challenge_id == challenge_id)
        .scalar_subquery(),
    )


def current_streak_of(
    days, rest, excused, *, last_opened: int, last_is_open: bool, checked_in: int | None = None
) -> int:
    """The current streak from the day lists (None for an empty list); ``checked_in``, a day whose
    new check-in the lists were read without."""
    valid = set(days or ())
    if checked_in is not None:
        valid.add(checked_in)
    return challenge_streak(
        valid,
        last_opened=last_opened,
        last_is_open=last_is_open,
        neutral=set(rest or ()) | set(excused or ()),
    ).current


def _streak_days(connection, enrollment_id: int, challenge_id: int) -> tuple[list, list, list]:
    """The same three lists on any database, in one query."""
    rows = connection.execute(
        union_all(
            select(literal("c").label("kind"), _CHECK_INS.c.day_index).where(
                _CHECK_INS.c.enrollment_id == enrollment_id, _CHECK_INS.c.voided_at.is_(None)
            ),
            select(literal("r"), _REST.c.day_index).where(_REST.c.enrollment_id == enrollment_id),
            select(literal("e"), _EXCUSED.c.day_index).where(_EXCUSED.c.challenge_id == challenge_id),
        )
    ).all()
    lists: dict[str, list] = {"c": [], "r": [], "e": []}
    for kind, day_index in rows:
        lists[kind].append(day_index)
    return lists["c"], lists["r"], lists["e"]


def standing_after_insert(
    connection, check_in_id: int, enrollment_id: int, challenge_id: int, day_index: int
):
    """The standing of a check-in just written on ``connection`` (a SQLAlchemy connection: the
    step-by-step path and SQLite; PostgreSQL's taps read it in their own statement)."""
    rank = connection.execute(
        select(
            rank_expression(_CHECK_INS.c.challenge_id, _CHECK_INS.c.day_index, _CHECK_INS.c.arrival_no)
        ).where(_CHECK_INS.c.id == check_in_id)
    ).scalar()
    days, rest, excused = _streak_days(connection, enrollment_id, challenge_id)
    streak = current_streak_of(days, rest, excused, last_opened=day_index, last_is_open=True)
    return CheckInStanding(rank_of_day=rank, streak=streak)


def standing_of(session: Session, checkin: CheckIn, *, now: datetime) -> CheckInStanding:
    """The standing of an existing check-in at ``now``: its rank of the day (None once voided) and
    its member's current streak in the challenge. One home for pages and the API alike."""
    rank = None
    if checkin.voided_at is None and checkin.arrival_no is not None:
        rank = session.scalar(
            select(
                rank_expression(
                    literal(checkin.challenge_id), literal(checkin.day_index), literal(checkin.arrival_no)
                )
            )
        )
    schedule = session.get(Challenge, checkin.challenge_id).schedule()
    last_opened, last_is_open = window_table(schedule).last_opened(now)
    days, rest, excused = _streak_days(session.connection(), checkin.enrollment_id, checkin.challenge_id)
    streak = current_streak_of(days, rest, excused, last_opened=last_opened, last_is_open=last_is_open)
    return CheckInStanding(rank_of_day=rank, streak=streak)


def exact_ranks(connection, challenge_id: int, day_index: int) -> dict[int, int]:
    """Check-in id -> rank over the stored rows (a full count: for checks and tests, never a tap)."""
    ranked = select(
        _CHECK_INS.c.id,
        func.row_number().over(order_by=_CHECK_INS.c.arrival_no).label("rank"),
    ).where(
        _CHECK_INS.c.challenge_id == challenge_id,
        _CHECK_INS.c.day_index == day_index,
        _CHECK_INS.c.voided_at.is_(None),
        _CHECK_INS.c.arrival_no.is_not(None),
    )
    return dict(connection.execute(ranked).all())


def insert_with_standing(source: Select, columns: list[str]) -> Select:
    """PostgreSQL: insert the check-in ``source`` selects (its columns labelled ``columns``, its
    arrival number drawn in it as ``arrival_no``) with ``ON CONFLICT DO NOTHING``, and read its
    standing, in ONE statement: the new check-in's (id, challenge_id, day_index, counts_for_money,
    rank, check-in days, rest days, excused days), or no row when nothing was inserted."""
    ins = (
        pg_insert(_CHECK_INS)
        .from_select([*columns, "arrival_no"], source)
        .on_conflict_do_nothing(index_elements=["enrollment_id", "day_index"])
        .returning(
            _CHECK_INS.c.id,
            _CHECK_INS.c.enrollment_id,
            _CHECK_INS.c.challenge_id,
            _CHECK_INS.c.day_index,
            _CHECK_INS.c.counts_for_money,
            _CHECK_INS.c.arrival_no,
        )
        .cte("ins")
    )
    return select(
        ins.c.id,
        ins.c.challenge_id,
        ins.c.day_index,
        ins.c.counts_for_money,
        rank_expression(ins.c.challenge_id, ins.c.day_index, ins.c.arrival_no),
        *streak_day_arrays(ins.c.enrollment_id, ins.c.challenge_id),
    )


def renumber(session: Session, checkin: CheckIn) -> None:
    """Give ``checkin`` (new, or reinstated by an appeal) the next arrival number of its day, at
    its flush; a reinstated check-in's old number becomes a hole."""
    reinstated = checkin.arrival_no is not None
    if reinstated:
        session.execute(
            insert(_HOLES).values(
                challenge_id=checkin.challenge_id, day_index=checkin.day_index, arrival_no=checkin.arrival_no
            )
        )
    dialect = session.get_bind().dialect.name
    checkin.arrival_no = arrival_draw(
        dialect,
        literal(checkin.challenge_id),
        literal(checkin.day_index),
        None if reinstated else literal(checkin.enrollment_id),
    )


def number_in_time_order(session: Session, challenge_id: int) -> None:
    """Number a challenge's check-ins written without a draw (a seeded history, all at once) in
    the order of their instants, then enrollment ids, day by day."""
    earlier = _CHECK_INS.alias("earlier")
    mine = _CHECK_INS
    session.execute(
        update(mine)
        .where(mine.c.challenge_id == challenge_id, mine.c.arrival_no.is_(None))
        .values(
            arrival_no=select(func.count())
            .select_from(earlier)
            .where(
                earlier.c.challenge_id == mine.c.challenge_id,
                earlier.c.day_index == mine.c.day_index,
                tuple_(earlier.c.checked_in_at, earlier.c.enrollment_id)
                <= tuple_(mine.c.checked_in_at, mine.c.enrollment_id),
            )
            .scalar_subquery()
        )
    )
