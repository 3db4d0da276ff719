"""Check-ins: the server's clock decides the day; one per enrollment and day; evidence; voiding.

SPEC: "A check-in made at server instant t belongs to the day whose window contains t. At any
other instant it is refused with a clear error that says when the next window opens."

The check-in is the wake-up spike: thousands of members tap within the same minutes. So the
API's path (``check_in_with_token``) first tries ONE statement that authenticates the token,
checks the enrollment, finds the day among the challenge's stored windows (models/window.py,
computed by the domain) and inserts with ``ON CONFLICT DO NOTHING``. Whatever it does not
insert goes step by step: ONE query reads token -> member -> enrollment -> challenge rules, the
day comes from a per-schedule table of windows computed once per process (a schedule is a
frozen value, so a changed challenge is simply a new key), and ONE Core ``INSERT ... ON
CONFLICT DO NOTHING RETURNING`` writes: the unique key (enrollment, day) decides a double tap,
not a read before the write. Other callers (pages) use ``check_in`` with the enrollment they
already hold; the step-by-step paths share ``_record``.
"""

from __future__ import annotations

import bisect
import functools
from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, Float, Text, and_, bindparam, func, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from habits.domain.calendar import Schedule, day_window, due_at
from habits.domain.instants import rfc3339_utc
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import (
    ApiToken,
    Challenge,
    ChallengeWindow,
    CheckIn,
    CheckInSource,
    Community,
    Enrollment,
    Member,
)
from habits.services.codewords import code_word, note_has_word
from habits.services.communities import active_role, is_organizing
from habits.services.direct_sql import OneRow, StatementTarget, statement_target
from habits.services.errors import Forbidden, HabitsError, InvalidInput, NotFound
from habits.services.photos import Photo, PhotoStore
from habits.services.tokens import Unauthenticated
from ledger.base import UTCDateTime

#: may not check in at all: no deposit yet, or never took part
REFUSED = frozenset({EnrollmentStatus.PENDING_PAYMENT, EnrollmentStatus.CANCELLED})
#: may check in for streaks and the feed, never for money (SPEC)
NOT_FOR_MONEY = frozenset(
    {EnrollmentStatus.ELIMINATED, EnrollmentStatus.WITHDRAWN, EnrollmentStatus.COMPLETED}
)


class CheckInClosed(HabitsError):
    title = "Check-in window closed"
    code = "check_in_closed"


class AlreadyCheckedIn(HabitsError):
    title = "Already checked in"
    code = "already_checked_in"


class CheckInNotAllowed(HabitsError):
    title = "Check-in not allowed"
    code = "check_in_not_allowed"


class VoidTooLate(HabitsError):
    title = "Day already due"
    code = "void_too_late"


@dataclass(frozen=True)
class Evidence:
    note: str | None = None
    #: km, pages, minutes... as the challenge's value_label says
    value: float | None = None
    photo: Photo | None = None


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


# -- the day's windows, computed once per schedule --------------------------------------------


@dataclass(frozen=True)
class WindowTable:
    """Every day's window of a schedule in UTC, for bisecting an instant (same answers as
    ``calendar.day_for_instant`` / ``next_window_open``, which tests check)."""

    opens: tuple[datetime, ...]
    closes: tuple[datetime, ...]

    def day_for(self, t: datetime) -> int | None:
        k = bisect.bisect_right(self.opens, t) - 1
        if k >= 0 and t < self.closes[k]:
            return k
        return None

    def next_open_after(self, t: datetime) -> datetime | None:
        k = bisect.bisect_right(self.opens, t)
        return self.opens[k] if k < len(self.opens) else None


@functools.lru_cache(maxsize=512)
def window_table(schedule: Schedule) -> WindowTable:
    # Valid schedules (challenges.check_rules) have non-empty windows in increasing order.
    windows = [day_window(schedule, k) for k in range(schedule.days)]
    return WindowTable(tuple(w[0] for w in windows), tuple(w[1] for w in windows))


# -- recording ----------------------------------------------------------------------------------

_TOKEN, _ENROLLMENT, _CHALLENGE = ApiToken.__table__, Enrollment.__table__, Challenge.__table__

#: token -> member -> enrollment -> challenge rules, in one round trip; the outer joins tell an
#: unknown token (no row: 401) from someone else's or a missing enrollment (no enrollment: 404)
_TARGET_BY_TOKEN = (
    select(
        _TOKEN.c.member_id,
        _TOKEN.c.expires_at,
        _TOKEN.c.revoked_at,
        _ENROLLMENT.c.id.label("enrollment_id"),
        _ENROLLMENT.c.status,
        _CHALLENGE.c.id.label("challenge_id"),
        _CHALLENGE.c.timezone,
        _CHALLENGE.c.start_date,
        _CHALLENGE.c.days,
        _CHALLENGE.c.open_minute,
        _CHALLENGE.c.close_minute,
        _CHALLENGE.c.requires_photo,
        _CHALLENGE.c.requires_code_word,
        _CHALLENGE.c.code_word_secret,
    )
    .select_from(
        _TOKEN.outerjoin(
            _ENROLLMENT,
            and_(
                _ENROLLMENT.c.id == bindparam("enrollment_id"), _ENROLLMENT.c.member_id == _TOKEN.c.member_id
            ),
        ).outerjoin(_CHALLENGE, _CHALLENGE.c.id == _ENROLLMENT.c.challenge_id)
    )
    .where(_TOKEN.c.token_hash == bindparam("token_hash"))
)


_Target = namedtuple("_Target", [column.name for column in _TARGET_BY_TOKEN.selected_columns])
_FIND_TARGET = OneRow(_TARGET_BY_TOKEN)


_WINDOW, _CHECK_INS = ChallengeWindow.__table__, CheckIn.__table__
_CHECK_IN_COLUMNS = ("enrollment_id", "challenge_id", "day_index", "checked_in_at", "note", "value", "source",
                     "counts_for_money")  # fmt: skip
_NOW = bindparam("now", type_=UTCDateTime())


def _tap_statement(make_insert):
    """The whole tap in one statement, when nothing about it needs Python: a live token, its
    member's enrollment that may check in, a challenge that asks for no photo or code word, and
    a stored window (models/window.py) holding ``now``. It inserts nothing otherwise, or when the
    day already has a check-in (the unique key decides, as in ``_record``)."""
    return (
        make_insert(_CHECK_INS)
        .from_select(
            _CHECK_IN_COLUMNS,
            select(
                _ENROLLMENT.c.id,
                _ENROLLMENT.c.challenge_id,
                _WINDOW.c.day_index,
                _NOW,
                bindparam("note", type_=Text()),
                bindparam("value", type_=Float()),
                literal(CheckInSource.MEMBER.value),
                and_(*(_ENROLLMENT.c.status != status.value for status in NOT_FOR_MONEY)),
            )
            .select_from(
                _TOKEN.join(
                    _ENROLLMENT,
                    and_(
                        _ENROLLMENT.c.id == bindparam("enrollment_id"),
                        _ENROLLMENT.c.member_id == _TOKEN.c.member_id,
                    ),
                )
                .join(_CHALLENGE, _CHALLENGE.c.id == _ENROLLMENT.c.challenge_id)
                .join(
                    _WINDOW,
                    and_(
                        _WINDOW.c.challenge_id == _ENROLLMENT.c.challenge_id,
                        # a window lasts at most 25 hours (a 24:00 close on a fall-back day):
                        # this bounds the index range to a row or two
                        _WINDOW.c.opens_at > bindparam("two_days_before", type_=UTCDateTime()),
                        _WINDOW.c.opens_at <= _NOW,
                        _WINDOW.c.closes_at > _NOW,
                    ),
                )
            )
            .where(
                _TOKEN.c.token_hash == bindparam("token_hash"),
                _TOKEN.c.revoked_at.is_(None),
                _TOKEN.c.expires_at > _NOW,
                *(_ENROLLMENT.c.status != status.value for status in REFUSED),
                _CHALLENGE.c.requires_photo.is_(False),
                _CHALLENGE.c.requires_code_word.is_(False),
            ),
        )
        .on_conflict_do_nothing(index_elements=["enrollment_id", "day_index"])
        .returning(
            _CHECK_INS.c.id, _CHECK_INS.c.challenge_id, _CHECK_INS.c.day_index, _CHECK_INS.c.counts_for_money
        )
    )


_TAP_IN_ONE_STATEMENT = {
    name: OneRow(_tap_statement(make_insert))
    for name, make_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def _dialect(target_db: StatementTarget) -> str:
    # a bare psycopg connection is PostgreSQL's
    return target_db.dialect.name if isinstance(target_db, Connection) else "postgresql"


def check_in_with_token(
    session: Session,
    *,
    token_hash: str,
    enrollment_id: int,
    evidence: Evidence,
    photo_store: PhotoStore | None = None,
    now: datetime,
    engine: Engine | None = None,
) -> RecordedCheckIn:
    """Check in the token's member on their enrollment ``enrollment_id`` at server instant ``now``.

    ``engine``, given while the caller has no session yet, lets the tap run on a connection of
    its own instead of creating one (direct_sql.statement_target).

    Raises Unauthenticated (401) for an unknown, expired or revoked token; NotFound (404) when
    the enrollment is not theirs; and what ``check_in`` raises.

    The wake-up tap (no photo) first tries the single statement above; when it inserts nothing,
    the step-by-step path below decides, and explains a refusal.
    """
    with statement_target(session, engine) as target_db:
        recorded = _tap_in_one_statement(target_db, token_hash, enrollment_id, evidence, now=now)
        if recorded is not None:
            return recorded
        # step by step, on the same connection
        found = _FIND_TARGET.first(target_db, {"token_hash": token_hash, "enrollment_id": enrollment_id})
        row = _Target(*found) if found is not None else None
        if row is None or row.revoked_at is not None or now >= row.expires_at:
            raise Unauthenticated("This needs a valid API token: send 'Authorization: Bearer <token>'.")
        if row.enrollment_id is None:
            raise NotFound(f"You have no enrollment {enrollment_id}.")
        target = CheckInTarget(
            enrollment_id=row.enrollment_id,
            member_id=row.member_id,
            challenge_id=row.challenge_id,
            status=EnrollmentStatus(row.status),
            schedule=Schedule(row.timezone, row.start_date, row.days, row.open_minute, row.close_minute),
            requires_photo=row.requires_photo,
            requires_code_word=row.requires_code_word,
            code_word_secret=row.code_word_secret,
        )
        return _record(session, target, evidence, photo_store, now=now, target_db=target_db)


def _tap_in_one_statement(
    target_db: StatementTarget, token_hash: str, enrollment_id: int, evidence: Evidence, *, now: datetime
) -> RecordedCheckIn | None:
    """The check-in, if the single statement recorded it; None leaves the tap to the steps."""
    tap = _TAP_IN_ONE_STATEMENT.get(_dialect(target_db))
    if tap is None or evidence.photo is not None:
        return None
    inserted = tap.first(
        target_db,
        {
            "token_hash": token_hash,
            "enrollment_id": enrollment_id,
            "now": now,
            "two_days_before": now - timedelta(days=2),
            "note": evidence.note,
            "value": evidence.value,
        },
    )
    if inserted is None:
        return None
    checkin_id, challenge_id, day_index, counts_for_money = inserted
    return RecordedCheckIn(
        id=checkin_id,
        enrollment_id=enrollment_id,
        challenge_id=challenge_id,
        day_index=day_index,
        checked_in_at=now,
        note=evidence.note,
        value=evidence.value,
        has_photo=False,
        counts_for_money=bool(counts_for_money),
    )


def check_in(
    session: Session,
    enrollment: Enrollment,
    *,
    evidence: Evidence,
    photo_store: PhotoStore | None = None,
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
    return _record(session, target, evidence, photo_store, now=now)


def _record(
    session: Session,
    target: CheckInTarget,
    evidence: Evidence,
    photo_store: PhotoStore | None,
    *,
    now: datetime,
    target_db: StatementTarget | None = None,
) -> RecordedCheckIn:
    if target.status in REFUSED:
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
    _check_evidence(target, evidence, day_index)
    photo_path = None
    if evidence.photo is not None:
        if photo_store is None:
            raise HabitsError("This server does not store photos.")
        photo_path = photo_store.save(target.challenge_id, evidence.photo)
    counts_for_money = target.status not in NOT_FOR_MONEY
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
    checkin_id = _insert_once(session, values, target_db or session.connection())
    if checkin_id is None:
        if photo_path and photo_store:
            photo_store.delete(photo_path)
        raise AlreadyCheckedIn(f"You have already checked in for day {day_index}.", day_index=day_index)
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
    )


def _check_evidence(target: CheckInTarget, evidence: Evidence, day_index: int) -> None:
    errors: dict[str, list[str]] = {}
    if target.requires_photo and evidence.photo is None:
        errors["photo"] = ["This challenge asks for a photo with each check-in."]
    if (
        target.requires_code_word
        and evidence.photo is None
        and not note_has_word(evidence.note, code_word(target.code_word_secret, day_index))
    ):
        errors["note"] = ["Write today's code word in the note (or attach a photo that shows it)."]
    if errors:
        raise InvalidInput("The check-in lacks the evidence this challenge asks for.", errors=errors)


#: built once: a statement without values compiles once per set of keys, which never changes
_INSERT_ONCE = {
    name: OneRow(
        make_insert(_CHECK_INS)
        .on_conflict_do_nothing(index_elements=["enrollment_id", "day_index"])
        .returning(_CHECK_INS.c.id)
    )
    for name, make_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_INSERT_PLAIN = insert(_CHECK_INS).returning(_CHECK_INS.c.id)


def _insert_once(session: Session, values: dict, target_db: StatementTarget) -> int | None:
    """Insert the check-in; None when (enrollment, day) already has one. One round trip."""
    statement = _INSERT_ONCE.get(_dialect(target_db))
    if statement is not None:
        row = statement.first(target_db, values)
        return row[0] if row is not None else None
    try:
        with session.begin_nested():
            return session.connection().execute(_INSERT_PLAIN, values).scalar()
    except IntegrityError:
        return None


# -- reading and voiding ------------------------------------------------------------------------


def get_check_in(session: Session, checkin_id: int) -> CheckIn:
    checkin = session.get(CheckIn, checkin_id)
    if checkin is None:
        raise NotFound(f"There is no check-in {checkin_id}.")
    return checkin


def visible_check_in(session: Session, checkin_id: int, viewer: Member) -> CheckIn:
    """A check-in its owner or the challenge's organizers may see in full; NotFound otherwise."""
    checkin = get_check_in(session, checkin_id)
    enrollment = session.get(Enrollment, checkin.enrollment_id)
    if enrollment.member_id == viewer.id:
        return checkin
    challenge = session.get(Challenge, checkin.challenge_id)
    if is_organizing(session, challenge.community_id, viewer.id):
        return checkin
    raise NotFound(f"There is no check-in {checkin_id}.")


def void_check_in(
    session: Session, checkin: CheckIn, organizer: Member, *, reason: str, now: datetime
) -> CheckIn:
    """Void a check-in (organizer or co-organizer), with a reason, until its day is due.

    A voided check-in counts as a miss (SPEC). Voiding again changes nothing. Raises Forbidden
    (403) for anyone else and VoidTooLate (409) once the day is due for settlement.
    """
    challenge = session.get(Challenge, checkin.challenge_id)
    community = session.get(Community, challenge.community_id)
    if not is_organizing(session, community.id, organizer.id):
        raise Forbidden("Only the organizer or a co-organizer of this community may void a check-in.")
    if checkin.voided_at is not None:
        return checkin
    due = due_at(challenge.schedule(), checkin.day_index, challenge.review_minutes)
    if now >= due:
        raise VoidTooLate(
            f"Day {checkin.day_index} was due for settlement at {rfc3339_utc(due)}: its check-ins are final.",
            due_at=rfc3339_utc(due),
        )
    checkin.voided_at, checkin.voided_by_id, checkin.void_reason = now, organizer.id, reason.strip()
    session.flush()
    return checkin


@dataclass(frozen=True)
class Today:
    """Where an enrollment stands right now: the open window (or the next), and the code word."""

    enrollment_id: int
    status: EnrollmentStatus
    #: the day whose window is open now, else the next day to open (None after the last)
    day_index: int | None
    window_open: bool
    window_opens_at: datetime | None
    window_closes_at: datetime | None
    checked_in: bool
    next_window_opens_at: datetime | None
    #: only while the window is open, to members who may check in, when the challenge asks for one
    code_word: str | None


def today(session: Session, enrollment: Enrollment, *, now: datetime) -> Today:
    challenge = session.get(Challenge, enrollment.challenge_id)
    table = window_table(challenge.schedule())
    day_index = table.day_for(now)
    window_open = day_index is not None
    next_open = table.next_open_after(now)
    if day_index is None and next_open is not None:
        day_index = table.opens.index(next_open)
    checked_in = False
    if window_open:
        checked_in = (
            session.scalar(
                select(CheckIn.id).where(
                    CheckIn.enrollment_id == enrollment.id, CheckIn.day_index == day_index
                )
            )
            is not None
        )
    show_word = window_open and challenge.requires_code_word and enrollment.status not in REFUSED
    return Today(
        enrollment_id=enrollment.id,
        status=EnrollmentStatus(enrollment.status),
        day_index=day_index,
        window_open=window_open,
        window_opens_at=table.opens[day_index] if day_index is not None else None,
        window_closes_at=table.closes[day_index] if day_index is not None else None,
        checked_in=checked_in,
        next_window_opens_at=next_open,
        code_word=code_word(challenge.code_word_secret, day_index) if show_word else None,
    )


def own_check_ins(
    session: Session, enrollment: Enrollment, *, page: int, per_page: int
) -> tuple[list[CheckIn], int]:
    """An enrollment's check-ins, by day."""
    query = select(CheckIn).where(CheckIn.enrollment_id == enrollment.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(CheckIn.day_index).limit(per_page).offset((page - 1) * per_page))
    return list(items), total


def challenge_feed(
    session: Session, challenge: Challenge, viewer: Member, *, page: int, per_page: int
) -> tuple[list[tuple[CheckIn, Member]], int]:
    """The challenge's check-ins, latest first, for members of its community (presence: who showed up)."""
    if active_role(session, challenge.community_id, viewer.id) is None:
        raise Forbidden("Join this community to see its challenges' check-ins.")
    query = (
        select(CheckIn, Member)
        .join(Enrollment, Enrollment.id == CheckIn.enrollment_id)
        .join(Member, Member.id == Enrollment.member_id)
        .where(CheckIn.challenge_id == challenge.id)
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [tuple(row) for row in rows], total
