"""The API's wake-up tap: authenticate, find the day and insert, in one statement when it can.

The check-in is the wake-up spike: thousands of members tap within the same minutes. So
``check_in_with_token`` first tries ONE statement that authenticates the token, checks the
enrollment, finds the day among the challenge's stored windows (models/window.py, computed by
the domain) and inserts with ``ON CONFLICT DO NOTHING``. Whatever it does not insert goes step
by step (recording.py): ONE query reads token -> member -> enrollment -> challenge rules, and
``record`` decides, inserts or explains the refusal, on the same connection.

A check-in with a photo is authenticated before its body is read: its evidence comes as a
function (``LazyEvidence``) called once the token is found good, so a made-up token never gets
megabytes of form parsed and an image decoded. The wake-up tap's JSON body is read first: it is a
parameter of the one statement that authenticates (a separate authentication would cost every
tap a round trip), so the edge bounds it to a few KiB, and a body it refuses is told as lazy
evidence too: only to a caller whose token is good.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Float, Text, and_, bindparam, cast, literal, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, scoped_session

from habits.domain.calendar import Schedule
from habits.domain.lifecycle import CHECK_INS_NOT_FOR_MONEY, NEVER_TOOK_PART, EnrollmentStatus
from habits.fastpath.direct_sql import OneRow, StatementTarget, dialect_name, statement_target
from habits.models import ApiToken, Challenge, ChallengeWindow, CheckIn, CheckInSource, Enrollment
from habits.services import tokens
from habits.services.checkins import standing
from habits.services.checkins.evidence import Evidence
from habits.services.checkins.recording import CheckInTarget, RecordedCheckIn, record
from habits.services.errors import NotFound
from habits.services.photos import PhotoStorage
from ledger.base import UTCDateTime

_TOKEN, _ENROLLMENT, _CHALLENGE = ApiToken.__table__, Enrollment.__table__, Challenge.__table__
_WINDOW, _CHECK_INS = ChallengeWindow.__table__, CheckIn.__table__
_NOW = bindparam("now", type_=UTCDateTime())

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

#: a check-in's evidence, read only when called: after authentication
LazyEvidence = Callable[[], Evidence]

_CHECK_IN_COLUMNS = ("enrollment_id", "challenge_id", "day_index", "checked_in_at", "note", "value", "source",
                     "counts_for_money")  # fmt: skip


def _status_not_in(statuses: frozenset[EnrollmentStatus]):
    # one comparison per status (sorted: the same SQL in every process); a NOT IN would be an
    # expanding parameter, which the hot path's precompiled SQL cannot carry
    return [_ENROLLMENT.c.status != status.value for status in sorted(statuses)]


def _tap_source(dialect: str):
    """What the whole tap inserts, when nothing about it needs Python: a usable token, its
    member's enrollment that may check in, a challenge that asks for no photo or code word, and
    a stored window (models/window.py) holding ``now``; no row otherwise. Its arrival number is
    drawn in it (standing.arrival_draw)."""
    conditions = [
        _TOKEN.c.token_hash == bindparam("token_hash"),
        tokens.usable_sql(_TOKEN, _NOW),
        *_status_not_in(NEVER_TOOK_PART),  # may check in
        _CHALLENGE.c.requires_photo.is_(False),
        _CHALLENGE.c.requires_code_word.is_(False),
    ]
    columns = [
        _ENROLLMENT.c.id.label("enrollment_id"),
        _ENROLLMENT.c.challenge_id.label("challenge_id"),
        _WINDOW.c.day_index.label("day_index"),
        _NOW.label("checked_in_at"),
        bindparam("note", type_=Text()).label("note"),
        # cast: inside a CTE an untyped parameter would stay text
        cast(bindparam("value", type_=Float()), _CHECK_INS.c.value.type).label("value"),
        literal(CheckInSource.MEMBER.value).label("source"),
        and_(*_status_not_in(CHECK_INS_NOT_FOR_MONEY)).label("counts_for_money"),
    ]
    columns.append(
        standing.arrival_draw(
            dialect, _ENROLLMENT.c.challenge_id, _WINDOW.c.day_index, _ENROLLMENT.c.id
        ).label("arrival_no")
    )
    return (
        select(*columns)
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
        .where(*conditions)
    )


def _tap_statement(dialect: str):
    """The whole tap in one statement. PostgreSQL: the insert, its arrival number and its
    standing (standing.insert_with_standing). SQLite: the insert, its arrival number drawn in it;
    the standing is read after. The unique key decides a double tap, as in ``record``."""
    source = _tap_source(dialect)
    if dialect == "postgresql":
        return standing.insert_with_standing(source, list(_CHECK_IN_COLUMNS))
    return (
        sqlite_insert(_CHECK_INS)
        .from_select([*_CHECK_IN_COLUMNS, "arrival_no"], source)
        .on_conflict_do_nothing(index_elements=["enrollment_id", "day_index"])
        .returning(
            _CHECK_INS.c.id, _CHECK_INS.c.challenge_id, _CHECK_INS.c.day_index, _CHECK_INS.c.counts_for_money
        )
    )


_TAP_IN_ONE_STATEMENT = {name: OneRow(_tap_statement(name)) for name in ("postgresql", "sqlite")}


def check_in_with_token(
    session: Session | scoped_session,
    *,
    token_hash: str,
    enrollment_id: int,
    evidence: Evidence | LazyEvidence,
    photo_store: PhotoStorage | None = None,
    now: datetime,
) -> RecordedCheckIn:
    """Check in the token's member on their enrollment ``enrollment_id`` at server instant ``now``.

    Raises Unauthenticated (401) for an unknown, expired or revoked token; NotFound (404) when
    the enrollment is not theirs; and what ``check_in`` raises.

    The wake-up tap (no photo) first tries the single statement above; when it inserts nothing,
    the step-by-step path decides, and explains a refusal. Given the request's scoped session
    before anything created its Session, no Session is created: on PostgreSQL the tap runs on a
    pooled connection of its own (fastpath.direct_sql.statement_target).

    Given ``LazyEvidence`` (a photo form, a refused body), the token is checked first (its
    member's enrollment read in the same query), then the evidence is read with no connection
    held (a slow upload keeps none from the pool), then the step-by-step path records it.
    """
    if callable(evidence):
        with statement_target(session) as target_db:
            row = _authenticated(target_db, token_hash, enrollment_id, now=now)
        evidence = evidence()  # a member's body errors come before the enrollment's 404, as elsewhere
        target = _target(row, enrollment_id)
        with statement_target(session) as target_db:
            return record(session, target, evidence, photo_store, now=now, target_db=target_db)
    with statement_target(session) as target_db:
        recorded = _tap_in_one_statement(target_db, token_hash, enrollment_id, evidence, now=now)
        if recorded is not None:
            return recorded
        # step by step, on the same connection
        target = _target(_authenticated(target_db, token_hash, enrollment_id, now=now), enrollment_id)
        return record(session, target, evidence, photo_store, now=now, target_db=target_db)


def _authenticated(
    target_db: StatementTarget, token_hash: str, enrollment_id: int, *, now: datetime
) -> _Target:
    """The token's row, with its member's enrollment ``enrollment_id`` if any, in one query;
    Unauthenticated (401) for a token that is not usable."""
    found = _FIND_TARGET.first(target_db, {"token_hash": token_hash, "enrollment_id": enrollment_id})
    row = _Target(*found) if found is not None else None
    if row is None or not tokens.usable(row.revoked_at, row.expires_at, now=now):
        raise tokens.Unauthenticated("This needs a valid API token: send 'Authorization: Bearer <token>'.")
    return row


def _target(row: _Target, enrollment_id: int) -> CheckInTarget:
    """What recording needs of the enrollment; NotFound (404) when it is not the member's."""
    if row.enrollment_id is None:
        raise NotFound(f"You have no enrollment {enrollment_id}.")
    return CheckInTarget(
        enrollment_id=row.enrollment_id,
        member_id=row.member_id,
        challenge_id=row.challenge_id,
        status=EnrollmentStatus(row.status),
        schedule=Schedule(row.timezone, row.start_date, row.days, row.open_minute, row.close_minute),
        requires_photo=row.requires_photo,
        requires_code_word=row.requires_code_word,
        code_word_secret=row.code_word_secret,
    )


def _tap_in_one_statement(
    target_db: StatementTarget, token_hash: str, enrollment_id: int, evidence: Evidence, *, now: datetime
) -> RecordedCheckIn | None:
    """The check-in, if the single statement recorded it; None leaves the tap to the steps."""
    tap = _TAP_IN_ONE_STATEMENT.get(dialect_name(target_db))
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
    checkin_id, challenge_id, day_index, counts_for_money, *read = inserted
    if read:  # PostgreSQL read the standing in the same statement
        rank, days, rest, excused = read
        streak = standing.current_streak_of(
            days, rest, excused, last_opened=day_index, last_is_open=True, checked_in=day_index
        )
        place = standing.CheckInStanding(rank_of_day=rank, streak=streak)
    else:
        place = standing.standing_after_insert(target_db, checkin_id, enrollment_id, challenge_id, day_index)
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
        rank_of_day=place.rank_of_day,
        streak=place.streak,
    )
