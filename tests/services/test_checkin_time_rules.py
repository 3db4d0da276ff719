"""The time rules of SPEC.md, through the check-in service: which day an instant belongs to.

Windows around daylight-saving changes in four zones (two northern, one with a 30-minute
shift, one without DST), a 24:00 close, and every edge: one second before the open, the open,
one second before the close, the close. Expected instants are written out by hand in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habits.domain.calendar import Schedule, day_for_instant, invalid_days, next_window_open
from habits.services.checkins import (
    AlreadyCheckedIn,
    CheckInClosed,
    Evidence,
    check_in,
    window_table,
)
from tests.api.helpers import enrollment_row
from tests.factories import make_challenge, make_member


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


SECOND = timedelta(seconds=1)

# (zone, start date, window, [(day k open, day k close) in UTC, hand-computed])
CASES = [
    pytest.param(
        "America/New_York",
        date(2026, 3, 7),
        ("01:00", "03:30"),
        [
            ("2026-03-07T06:00:00Z", "2026-03-07T08:30:00Z"),  # EST, -05:00
            ("2026-03-08T06:00:00Z", "2026-03-08T07:30:00Z"),  # 01:00 EST -> 03:30 EDT: 1h30 long
            ("2026-03-09T05:00:00Z", "2026-03-09T07:30:00Z"),  # EDT, -04:00
        ],
        id="new-york-spring-forward",
    ),
    pytest.param(
        "America/New_York",
        date(2026, 10, 31),
        ("00:30", "02:00"),
        [
            ("2026-10-31T04:30:00Z", "2026-10-31T06:00:00Z"),  # EDT
            ("2026-11-01T04:30:00Z", "2026-11-01T07:00:00Z"),  # 02:00 is after fall-back: 2h30 long
            ("2026-11-02T05:30:00Z", "2026-11-02T07:00:00Z"),  # EST
        ],
        id="new-york-fall-back",
    ),
    pytest.param(
        "America/New_York",
        date(2026, 10, 31),
        ("01:30", "05:00"),
        [
            ("2026-10-31T05:30:00Z", "2026-10-31T09:00:00Z"),
            ("2026-11-01T05:30:00Z", "2026-11-01T10:00:00Z"),  # 01:30 twice: fold=0 is the first (EDT)
            ("2026-11-02T06:30:00Z", "2026-11-02T10:00:00Z"),
        ],
        id="new-york-ambiguous-open-fold-0",
    ),
    pytest.param(
        "Europe/London",
        date(2026, 3, 28),
        ("00:30", "02:30"),
        [
            ("2026-03-28T00:30:00Z", "2026-03-28T02:30:00Z"),  # GMT
            ("2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z"),  # 02:30 BST: one hour long
            ("2026-03-29T23:30:00Z", "2026-03-30T01:30:00Z"),  # BST, +01:00
        ],
        id="london-spring-forward",
    ),
    pytest.param(
        "Europe/London",
        date(2026, 10, 24),
        ("22:00", "24:00"),
        [
            ("2026-10-24T21:00:00Z", "2026-10-24T23:00:00Z"),  # BST; 24:00 is the next local midnight
            ("2026-10-25T22:00:00Z", "2026-10-26T00:00:00Z"),  # GMT from 25 Oct 02:00
            ("2026-10-26T22:00:00Z", "2026-10-27T00:00:00Z"),
        ],
        id="london-fall-back-24h-close",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        date(2026, 4, 4),
        ("01:00", "03:00"),
        [
            ("2026-04-03T14:00:00Z", "2026-04-03T16:00:00Z"),  # +11:00 (DST)
            ("2026-04-04T14:00:00Z", "2026-04-04T16:30:00Z"),  # DST ends 02:00 -> 01:30: 2h30 long
            ("2026-04-05T14:30:00Z", "2026-04-05T16:30:00Z"),  # +10:30
        ],
        id="lord-howe-half-hour-back",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        date(2026, 10, 3),
        ("01:45", "03:00"),
        [
            ("2026-10-02T15:15:00Z", "2026-10-02T16:30:00Z"),  # +10:30
            ("2026-10-03T15:15:00Z", "2026-10-03T16:00:00Z"),  # DST starts 02:00 -> 02:30: 45 min
            ("2026-10-04T14:45:00Z", "2026-10-04T16:00:00Z"),  # +11:00
        ],
        id="lord-howe-half-hour-forward",
    ),
    pytest.param(
        "Asia/Shanghai",
        date(2026, 3, 7),
        ("05:00", "24:00"),
        [
            ("2026-03-06T21:00:00Z", "2026-03-07T16:00:00Z"),  # +08:00 all year
            ("2026-03-07T21:00:00Z", "2026-03-08T16:00:00Z"),
            ("2026-03-08T21:00:00Z", "2026-03-09T16:00:00Z"),
        ],
        id="shanghai-24h-close",
    ),
]


@pytest.mark.parametrize(("zone", "start", "window", "expected"), CASES)
def test_each_day_window_holds_exactly_its_instants(session, zone, start, window, expected):
    challenge = make_challenge(
        session,
        timezone=zone,
        start_date=start,
        days=len(expected),
        window_open=window[0],
        window_close=window[1],
    )
    early, late = (enrollment_row(session, challenge, make_member(session)) for _ in range(2))
    opens = [utc(open_) for open_, _ in expected]
    for k, (open_text, close_text) in enumerate(expected):
        opens_at, closes_at = utc(open_text), utc(close_text)
        with pytest.raises(CheckInClosed) as refused:
            check_in(session, early, evidence=Evidence(), now=opens_at - SECOND)
        assert refused.value.extra["next_window_opens_at"] == open_text
        assert check_in(session, early, evidence=Evidence(), now=opens_at).day_index == k
        assert check_in(session, late, evidence=Evidence(), now=closes_at - SECOND).day_index == k
        with pytest.raises(AlreadyCheckedIn):
            check_in(session, early, evidence=Evidence(), now=closes_at - SECOND)
        with pytest.raises(CheckInClosed) as closed:
            check_in(session, late, evidence=Evidence(), now=closes_at)
        following = opens[k + 1] if k + 1 < len(opens) else None
        expected_next = following.isoformat().replace("+00:00", "Z") if following else None
        assert closed.value.extra["next_window_opens_at"] == expected_next


def test_after_the_last_window_there_is_no_next_window(session):
    challenge = make_challenge(session, days=2)
    enrollment = enrollment_row(session, challenge, make_member(session))
    with pytest.raises(CheckInClosed) as refused:
        check_in(session, enrollment, evidence=Evidence(), now=datetime(2027, 1, 1, tzinfo=UTC))
    assert refused.value.extra["next_window_opens_at"] is None
    assert "last window" in refused.value.detail


ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Shanghai",
    "America/Santiago",
    "Pacific/Chatham",
    "UTC",
]


@st.composite
def schedules(draw):
    zone = draw(st.sampled_from(ZONES))
    start = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)))
    days = draw(st.integers(1, 40))
    open_minute = draw(st.integers(0, 1439))
    close_minute = draw(st.integers(open_minute + 1, 1440))
    schedule = Schedule(zone, start, days, open_minute, close_minute)
    if invalid_days(schedule):
        # validation refuses such schedules (tested in test_challenge_rules); skip them here
        schedule = Schedule(zone, start, days, 360, 480)
    return schedule


@settings(max_examples=300, deadline=None)
@given(schedule=schedules(), offset_seconds=st.integers(-2 * 86400, 42 * 86400))
def test_window_table_agrees_with_the_domain_at_any_instant(schedule, offset_seconds):
    """The check-in path's cached table answers exactly as calendar.day_for_instant does."""
    t = datetime.combine(schedule.start_date, datetime.min.time(), tzinfo=UTC) + timedelta(
        seconds=offset_seconds
    )
    table = window_table(schedule)
    assert table.day_for(t) == day_for_instant(schedule, t)
    assert table.next_open_after(t) == next_window_open(schedule, t)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minute=st.integers(-60, 4 * 1440 + 60))
def test_check_in_service_day_matches_the_domain_around_dst(session, minute):
    """Through the service and the database: a check-in lands on the domain's day, or is refused."""
    challenge = make_challenge(
        session,
        timezone="Australia/Lord_Howe",
        start_date=date(2026, 4, 3),
        days=4,
        window_open="01:10",
        window_close="02:50",
    )
    enrollment = enrollment_row(session, challenge, make_member(session))
    t = datetime(2026, 4, 2, 14, 0, tzinfo=UTC) + timedelta(minutes=minute)
    expected = day_for_instant(challenge.schedule(), t)
    if expected is None:
        with pytest.raises(CheckInClosed):
            check_in(session, enrollment, evidence=Evidence(), now=t)
    else:
        assert check_in(session, enrollment, evidence=Evidence(), now=t).day_index == expected
