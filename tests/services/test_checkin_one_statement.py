"""The wake-up tap in one statement: stored windows, and the same answers as the domain's rules.

check_in_with_token first tries a single INSERT ... SELECT that finds the day among the
challenge's stored windows (models/window.py); the step-by-step path decides whatever that
statement does not insert. These tests hold the stored windows to the domain's, and the one
statement's answers to ``calendar.day_for_instant``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, select

from habits.domain.calendar import day_for_instant, day_window
from habits.models import ChallengeWindow
from habits.services.checkins import CheckInClosed, Evidence, check_in_with_token
from habits.services.errors import InvalidInput
from habits.services.tokens import hash_token, issue_token
from tests.api.helpers import enrollment_row
from tests.conftest import ON_POSTGRES
from tests.factories import at_local, make_challenge, make_member


def stored_windows(session, challenge) -> list[tuple[int, datetime, datetime]]:
    rows = session.execute(
        select(ChallengeWindow.day_index, ChallengeWindow.opens_at, ChallengeWindow.closes_at)
        .where(ChallengeWindow.challenge_id == challenge.id)
        .order_by(ChallengeWindow.day_index)
    ).all()
    return [tuple(row) for row in rows]


def domain_windows(challenge) -> list[tuple[int, datetime, datetime]]:
    schedule = challenge.schedule()
    return [(k, *day_window(schedule, k)) for k in range(schedule.days)]


def tapper(session, challenge):
    member = make_member(session)
    enrollment = enrollment_row(session, challenge, member)
    token = issue_token(session, member, now=challenge.created_at).token
    session.flush()
    enrollment_id = enrollment.id

    def tap(now: datetime, note: str | None = None):
        return check_in_with_token(
            session,
            token_hash=hash_token(token),
            enrollment_id=enrollment_id,
            evidence=Evidence(note=note),
            now=now,
        )

    return enrollment, tap


class StatementCount:
    """Statements the session's connection runs (SQLite: there every statement goes through
    SQLAlchemy; on PostgreSQL the hot path talks to psycopg directly)."""

    def __init__(self, session):
        self.connection = session.connection()
        self.count = 0
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, *args):
        self.count += 1
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.connection, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.connection, "before_cursor_execute", self._count)


def test_a_new_challenge_stores_the_domain_windows_across_a_dst_change(session):
    challenge = make_challenge(
        session, timezone="America/New_York", start_date=date(2026, 3, 6), days=4, window_open="01:30"
    )
    assert stored_windows(session, challenge) == domain_windows(challenge)
    # 2026-03-08 springs forward: 01:30 local is 06:30 UTC before and 05:30 UTC after
    assert stored_windows(session, challenge)[2][1] == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    assert stored_windows(session, challenge)[3][1] == datetime(2026, 3, 9, 5, 30, tzinfo=UTC)


def test_a_changed_schedule_rewrites_the_windows(session):
    challenge = make_challenge(session, timezone="Europe/London", start_date=date(2026, 3, 27), days=3)
    challenge.start_date = date(2026, 10, 23)
    challenge.days = 5
    challenge.open_minute = 6 * 60
    session.flush()
    assert stored_windows(session, challenge) == domain_windows(challenge)
    assert len(stored_windows(session, challenge)) == 5


def test_a_change_outside_the_schedule_leaves_the_windows(session):
    challenge = make_challenge(session)
    before = stored_windows(session, challenge)
    session.execute(delete(ChallengeWindow).where(ChallengeWindow.challenge_id == challenge.id))
    challenge.title = "Renamed"
    session.flush()
    assert before and stored_windows(session, challenge) == []


@pytest.mark.skipif(ON_POSTGRES, reason="counts statements through SQLAlchemy (SQLite)")
def test_a_plain_tap_is_one_statement_and_a_second_tap_is_explained(session):
    challenge = make_challenge(session)
    _, tap = tapper(session, challenge)
    now = at_local(challenge, 1, "05:30")
    with StatementCount(session) as first:
        assert tap(now).day_index == 1
    # the insert, then its standing (rank, streak days): PostgreSQL reads it in the insert itself
    assert first.count == 3, first.statements
    assert first.statements[0].startswith("INSERT")
    with StatementCount(session) as second, pytest.raises(Exception, match="already checked in for day 1"):
        tap(now + timedelta(minutes=1))
    assert second.count == 3  # the one statement inserts nothing; the step-by-step path says why


def test_without_stored_windows_the_tap_still_finds_its_day(session):
    challenge = make_challenge(session, timezone="Australia/Lord_Howe", start_date=date(2026, 4, 3), days=4)
    session.execute(delete(ChallengeWindow).where(ChallengeWindow.challenge_id == challenge.id))
    _, tap = tapper(session, challenge)
    assert tap(at_local(challenge, 2, "06:59")).day_index == 2
    with pytest.raises(CheckInClosed):
        tap(at_local(challenge, 3, "07:00"))


def test_a_code_word_challenge_takes_the_step_by_step_path(session):
    """The one statement never inserts for a challenge that asks for evidence it cannot check."""
    challenge = make_challenge(session, requires_code_word=True)
    _, tap = tapper(session, challenge)
    with pytest.raises(InvalidInput) as refused:
        tap(at_local(challenge, 0, "05:30"), note="up")
    assert "code word" in refused.value.errors["note"][0]


# Lord Howe moves its clocks by 30 minutes (2026-04-05 back, 2026-10-04 forward).
LORD_HOWE_SPAN = (datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 4, 9, tzinfo=UTC))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    offset_minutes=st.integers(0, int((LORD_HOWE_SPAN[1] - LORD_HOWE_SPAN[0]).total_seconds() // 60)),
    window=st.sampled_from([("01:30", "02:30"), ("05:00", "07:00"), ("00:00", "24:00"), ("23:00", "24:00")]),
)
def test_the_tap_answers_as_the_domain_rules_decide(session, offset_minutes, window):
    # each example taps with a new challenge and member; the test's transaction drops them all
    challenge = make_challenge(
        session,
        timezone="Australia/Lord_Howe",
        start_date=date(2026, 4, 2),
        days=6,
        window_open=window[0],
        window_close=window[1],
    )
    _, tap = tapper(session, challenge)
    now = LORD_HOWE_SPAN[0] + timedelta(minutes=offset_minutes)
    expected = day_for_instant(challenge.schedule(), now)
    if expected is None:
        with pytest.raises(CheckInClosed):
            tap(now)
    else:
        assert tap(now).day_index == expected
