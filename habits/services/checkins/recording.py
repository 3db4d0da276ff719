"""The step-by-step check-in: decide the day in Python, check the evidence, insert once.

Pages call ``check_in`` with the enrollment they already hold; the API's tap comes here
(``record``) for whatever its single statement did not insert, and this path explains the refusal.
ONE Core ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` writes: the unique key (enrollment, day)
decides a double tap, not a read before the write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, cast, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from habits.domain.calendar import Schedule
from habits.domain.instants import rfc3339_utc
from habits.domain.lifecycle import EnrollmentStatus, check_in_counts_for_money, may_check_in
from habits.fastpath.direct_sql import OneRow, StatementTarget, dialect_name
from habits.models import Challenge, CheckIn, CheckInSource, Enrollment
from habits.services.checkins import standing
from habits.services.checkins.evidence import Evidence, check_evidence, store_photo
from habits.services.checkins.refusals import AlreadyCheckedIn, CheckInClosed, CheckInNotAllowed
from habits.services.checkins.windows import window_table
from habits.services.photos import PhotoStorage


@dataclass(frozen=True)
class CheckInTarget:
    """What deciding a check-in needs to know about one enrollment."""

    enrollment_id: int
    member_id: int
    challenge_id: int
    status: EnrollmentStatus
    schedule: Schedule
    requires_photo: bool
    requires_code_word: bool
    code_word_secret: str


@dataclass(frozen=True)
class RecordedCheckIn:
    id: int
    enrollment_id: int
    challenge_id: int
    day_index: int
    checked_in_at: datetime
    note: str | None
    value: float | None
    has_photo: bool
    counts_for_money: bool
    #: its standing when written (services/checkins/standing.py)
    rank_of_day: int | None
    streak: int


def check_in(
    session: Session,
    enrollment: Enrollment,
    *,
    evidence: Evidence,
    photo_store: PhotoStorage | None = None,
    now: datetime,
) -> RecordedCheckIn:
    """Check ``enrollment`` in at server instant ``now`` with ``evidence``.

    Raises CheckInNotAllowed (409) before the deposit is paid or after a cancellation;
    CheckInClosed (409, with ``next_window_opens_at``) outside every window; InvalidInput (422)
    when the evidence the challenge asks for is missing; AlreadyCheckedIn (409, with
    ``day_index``) for a second check-in on the same day.
    """
    challenge = session.get(Challenge, enrollment.challenge_id)
    target = CheckInTarget(
        enrollment_id=enrollment.id,
        member_id=enrollment.member_id,
        challenge_id=challenge.id,
        status=EnrollmentStatus(enrollment.status),
        schedule=challenge.schedule(),
        requires_photo=challenge.requires_photo,
        requires_code_word=challenge.requires_code_word,
        code_word_secret=challenge.code_word_secret,
    )
    return record(session, target, evidence, photo_store, now=now)


def record(
    session: Session,
    target: CheckInTarget,
    evidence: Evidence,
    photo_store: PhotoStorage | None,
    *,
    now: datetime,
    target_db: StatementTarget | None = None,
) -> RecordedCheckIn:
    """Decide and insert ``target``'s check-in at ``now``; on ``target_db`` when given (the tap's
    own connection), else on the session's."""
    if not may_check_in(target.status):
        raise CheckInNotAllowed(
            "Check-ins open once your deposit is paid."
            if target.status == EnrollmentStatus.PENDING_PAYMENT
            else "This enrollment was cancelled: it takes no check-ins.",
            enrollment_status=target.status.value,
        )
    table = window_table(target.schedule)
    day_index = table.day_for(now)
    if day_index is None:
        next_open = table.next_open_after(now)
        opens_at = rfc3339_utc(next_open) if next_open else None
        detail = (
            f"Check-ins are open during the daily window only; the next one opens at {opens_at}."
            if opens_at
            else "This challenge's last window has closed."
        )
        raise CheckInClosed(detail, next_window_opens_at=opens_at)
    check_evidence(
        evidence,
        day_index=day_index,
        requires_photo=target.requires_photo,
        requires_code_word=target.requires_code_word,
        code_word_secret=target.code_word_secret,
    )
    photo_path = store_photo(evidence, photo_store, target.challenge_id)
    counts_for_money = check_in_counts_for_money(target.status)
    values = {
        "enrollment_id": target.enrollment_id,
        "challenge_id": target.challenge_id,
        "day_index": day_index,
        "checked_in_at": now,
        "note": evidence.note,
        "value": evidence.value,
        "photo_path": photo_path,
        "photo_content_type": evidence.photo.content_type if evidence.photo else None,
        "source": CheckInSource.MEMBER.value,
        "counts_for_money": counts_for_money,
    }
    inserted = _insert_once(session, values, target_db or session.connection())
    if inserted is None:
        if photo_path and photo_store:
            photo_store.delete(photo_path)
        raise AlreadyCheckedIn(f"You have already checked in for day {day_index}.", day_index=day_index)
    checkin_id, place = inserted
    return RecordedCheckIn(
        id=checkin_id,
        enrollment_id=target.enrollment_id,
        challenge_id=target.challenge_id,
        day_index=day_index,
        checked_in_at=now,
        note=evidence.note,
        value=evidence.value,
        has_photo=photo_path is not None,
        counts_for_money=counts_for_money,
        rank_of_day=place.rank_of_day,
        streak=place.streak,
    )


_CHECK_INS = CheckIn.__table__
_COLUMNS = ("enrollment_id", "challenge_id", "day_index", "checked_in_at", "note", "value", "photo_path",
            "photo_content_type", "source", "counts_for_money")  # fmt: skip
_TYPES = {column: _CHECK_INS.c[column].type for column in _COLUMNS}


def _values(dialect: str):
    """The check-in's values as parameters, with its arrival number drawn (standing.arrival_draw)."""
    values = [bindparam(column, type_=_TYPES[column]) for column in _COLUMNS]
    if dialect == "postgresql":
        # inside a CTE an untyped parameter would stay text (SQLite's CAST would make it a number)
        values = [cast(value, value.type) for value in values]
    return select(
        *(value.label(column) for value, column in zip(values, _COLUMNS, strict=True)),
        standing.arrival_draw(
            dialect, bindparam("challenge_id"), bindparam("day_index"), bindparam("enrollment_id")
        ).label("arrival_no"),
    )


#: built once: PostgreSQL's insert with its arrival number and its standing (standing.py); the
#: others' insert with its arrival number
_INSERT_WITH_STANDING = OneRow(standing.insert_with_standing(_values("postgresql"), list(_COLUMNS)))
_INSERT_ONCE = OneRow(
    sqlite_insert(_CHECK_INS)
    .from_select([*_COLUMNS, "arrival_no"], _values("sqlite"))
    .on_conflict_do_nothing(index_elements=["enrollment_id", "day_index"])
    .returning(_CHECK_INS.c.id)
)
_INSERT_PLAIN = (
    insert(_CHECK_INS).from_select([*_COLUMNS, "arrival_no"], _values("sqlite")).returning(_CHECK_INS.c.id)
)


def _insert_once(
    session: Session, values: dict, target_db: StatementTarget
) -> tuple[int, standing.CheckInStanding] | None:
    """Insert the check-in; its id and standing, or None when (enrollment, day) already has one."""
    day_index = values["day_index"]
    dialect = dialect_name(target_db)
    if dialect == "postgresql":
        row = _INSERT_WITH_STANDING.first(target_db, values)
        if row is None:
            return None
        checkin_id, _challenge_id, _day, _counts, rank, days, rest, excused = row
        streak = standing.current_streak_of(
            days, rest, excused, last_opened=day_index, last_is_open=True, checked_in=day_index
        )
        return checkin_id, standing.CheckInStanding(rank_of_day=rank, streak=streak)
    if dialect == "sqlite":
        row = _INSERT_ONCE.first(target_db, values)
        checkin_id = row[0] if row is not None else None
    else:
        try:
            with session.begin_nested():
                checkin_id = session.connection().execute(_INSERT_PLAIN, values).scalar()
        except IntegrityError:
            checkin_id = None
    if checkin_id is None:
        return None
    place = standing.standing_after_insert(
        target_db, checkin_id, values["enrollment_id"], values["challenge_id"], day_index
    )
    return checkin_id, place
