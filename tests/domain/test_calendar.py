"""Day windows in local time and UTC, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habits.domain.calendar import (
    MINUTES_PER_DAY,
    Schedule,
    day_date,
    day_for_instant,
    day_window,
    day_zero_open,
    due_at,
    format_hhmm,
    invalid_days,
    local_instant,
    next_window_open,
    parse_hhmm,
)

US = timedelta(microseconds=1)
ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Shanghai"]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours(h: float) -> timezone:
    return timezone(timedelta(hours=h))


# --- parse_hhmm / format_hhmm ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minute"),
    [("00:00", 0), ("06:30", 390), ("23:59", 1439), ("24:00", 1440), ("12:05", 725)],
)
def test_parse_hhmm_reads_two_digit_times(text: str, minute: int) -> None:
    assert parse_hhmm(text) == minute
    assert format_hhmm(minute) == text


@pytest.mark.parametrize(
    "text",
    [
        "24:01",
        "25:00",
        "6:30",
        "06:3",
        "06:60",
        "0630",
        "06:30:00",
        " 06:30",
        "06:30 ",
        "",
        "ab:cd",
        "٠٦:٣٠",
        "-1:00",
        "06-30",
    ],
)
def test_parse_hhmm_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM|not a time"):
        parse_hhmm(text)


@given(st.integers(0, MINUTES_PER_DAY))
def test_format_then_parse_round_trips(minute: int) -> None:
    assert parse_hhmm(format_hhmm(minute)) == minute


@pytest.mark.parametrize("minute", [-1, 1441])
def test_format_hhmm_refuses_minutes_outside_the_day(minute: int) -> None:
    with pytest.raises(ValueError):
        format_hhmm(minute)


# --- Schedule validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "open_minute", "close_minute"),
    [(0, 360, 420), (3, 420, 420), (3, 420, 360), (3, -1, 60), (3, 0, 1441)],
)
def test_schedule_refuses_impossible_windows(days: int, open_minute: int, close_minute: int) -> None:
    with pytest.raises(ValueError):
        Schedule("Asia/Shanghai", date(2026, 1, 1), days, open_minute, close_minute)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd"])
def test_schedule_refuses_unknown_time_zones(name: str) -> None:
    with pytest.raises(ValueError, match="time zone"):
        Schedule(name, date(2026, 1, 1), 3, 360, 420)


# --- local_instant: every minute of each DST-change day against the zone's published rules ---

# (zone, local date, first wall minute using the new offset, offset before, offset after).
# With fold=0 a nonexistent or doubled wall time uses the offset in force before the change,
# so the switch happens at the end of the gap (spring) or of the repeated hour (autumn).
DST_DAYS = [
    ("America/New_York", date(2026, 3, 8), 3 * 60, -5, -4),  # 02:00 -> 03:00
    ("America/New_York", date(2026, 11, 1), 2 * 60, -4, -5),  # 02:00 -> 01:00
    ("Europe/London", date(2026, 3, 29), 2 * 60, 0, 1),  # 01:00 -> 02:00
    ("Europe/London", date(2026, 10, 25), 2 * 60, 1, 0),  # 02:00 -> 01:00
    ("Australia/Lord_Howe", date(2026, 4, 5), 2 * 60, 11, 10.5),  # 02:00 -> 01:30
    ("Australia/Lord_Howe", date(2026, 10, 4), 2 * 60 + 30, 10.5, 11),  # 02:00 -> 02:30
    ("Asia/Shanghai", date(2026, 3, 8), 0, 8, 8),
]


def expected_utc(switch: int, before: float, after: float, day: date, minute: int) -> datetime:
    offset = before if minute < switch else after
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(minutes=minute - offset * 60)


@pytest.mark.parametrize(("zone", "day", "switch", "before", "after"), DST_DAYS)
def test_local_instant_follows_the_zone_rules_every_minute_of_a_change_day(
    zone: str, day: date, switch: int, before: float, after: float
) -> None:
    for minute in range(MINUTES_PER_DAY + 1):
        assert local_instant(zone, day, minute) == expected_utc(switch, before, after, day, minute), (
            format_hhmm(minute)
        )


def test_the_zone_changes_offset_on_the_dates_this_suite_assumes() -> None:
    """If tzdata ever moves these changes, the hand-written expectations above are stale."""
    for zone, day, _switch, before, after in DST_DAYS:
        tz = ZoneInfo(zone)
        noon_before = datetime.combine(day - timedelta(days=1), datetime.min.time(), tz) + timedelta(hours=12)
        noon_after = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz) + timedelta(hours=12)
        assert noon_before.utcoffset() == timedelta(hours=before)
        assert noon_after.utcoffset() == timedelta(hours=after)


def test_local_instant_accepts_a_zoneinfo_and_returns_aware_utc() -> None:
    at = local_instant(ZoneInfo("Asia/Shanghai"), date(2026, 1, 10), 6 * 60)
    assert at == utc(2026, 1, 9, 22, 0)
    assert at.tzinfo is UTC


def test_local_instant_2400_is_the_next_local_midnight() -> None:
    assert local_instant("Asia/Shanghai", date(2026, 12, 31), 1440) == utc(2026, 12, 31, 16, 0)
    assert local_instant("Asia/Shanghai", date(2026, 12, 31), 1440) == local_instant(
        "Asia/Shanghai", date(2027, 1, 1), 0
    )


@pytest.mark.parametrize("minute", [-1, 1441])
def test_local_instant_refuses_minutes_outside_the_day(minute: int) -> None:
    with pytest.raises(ValueError):
        local_instant("Asia/Shanghai", date(2026, 1, 1), minute)


# --- day_window and its edges ----------------------------------------------------------------


def test_window_across_spring_forward_is_an_hour_shorter() -> None:
    s = Schedule("America/New_York", date(2026, 3, 7), 3, 60, 4 * 60)  # 01:00-04:00
    assert day_window(s, 0) == (utc(2026, 3, 7, 6), utc(2026, 3, 7, 9))
    assert day_window(s, 1) == (utc(2026, 3, 8, 6), utc(2026, 3, 8, 8))
    assert day_window(s, 2) == (utc(2026, 3, 9, 5), utc(2026, 3, 9, 8))


def test_window_across_fall_back_is_an_hour_longer() -> None:
    s = Schedule("America/New_York", date(2026, 11, 1), 1, 30, 2 * 60 + 30)  # 00:30-02:30
    assert day_window(s, 0) == (utc(2026, 11, 1, 4, 30), utc(2026, 11, 1, 7, 30))


def test_window_opening_in_the_repeated_hour_opens_at_its_first_occurrence() -> None:
    s = Schedule("Europe/London", date(2026, 10, 25), 1, 90, 180)  # 01:30-03:00
    # 01:30 happens twice; fold=0 is the first one, 01:30 BST = 00:30Z.
    assert day_window(s, 0) == (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 3, 0))


def test_lord_howe_half_hour_changes() -> None:
    s = Schedule("Australia/Lord_Howe", date(2026, 4, 4), 2, 60, 3 * 60)  # 01:00-03:00
    assert day_window(s, 0) == (utc(2026, 4, 3, 14), utc(2026, 4, 3, 16))
    # 01:00 is still +11; 03:00 is +10:30. The window is 2.5 hours long.
    assert day_window(s, 1) == (utc(2026, 4, 4, 14), utc(2026, 4, 4, 16, 30))
    spring = Schedule("Australia/Lord_Howe", date(2026, 10, 4), 1, 60, 3 * 60)
    assert day_window(spring, 0) == (utc(2026, 10, 3, 14, 30), utc(2026, 10, 3, 16))


def test_window_with_a_2400_close_ends_at_the_next_local_midnight() -> None:
    s = Schedule("Asia/Shanghai", date(2026, 1, 10), 2, 22 * 60, 1440)
    opens_at, closes_at = day_window(s, 0)
    assert (opens_at, closes_at) == (utc(2026, 1, 10, 14), utc(2026, 1, 10, 16))
    assert day_for_instant(s, closes_at - US) == 0
    assert day_for_instant(s, closes_at) is None
    assert next_window_open(s, closes_at) == utc(2026, 1, 11, 14)


def test_a_whole_day_window_hands_over_at_midnight() -> None:
    s = Schedule("America/New_York", date(2026, 3, 7), 3, 0, 1440)
    midnight = local_instant("America/New_York", date(2026, 3, 8), 0)
    assert day_for_instant(s, midnight - US) == 0
    assert day_for_instant(s, midnight) == 1
    assert day_window(s, 1)[1] - day_window(s, 1)[0] == timedelta(hours=23)


@pytest.mark.parametrize("k", [-1, 3])
def test_day_window_refuses_days_outside_the_challenge(k: int) -> None:
    s = Schedule("Asia/Shanghai", date(2026, 1, 1), 3, 360, 420)
    with pytest.raises(ValueError, match="outside"):
        day_window(s, k)


def test_day_date_due_at_and_day_zero_open() -> None:
    s = Schedule("Europe/London", date(2026, 3, 28), 3, 6 * 60, 7 * 60)
    assert [day_date(s, k) for k in range(3)] == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    assert day_zero_open(s) == utc(2026, 3, 28, 6)
    assert due_at(s, 1, 10) == utc(2026, 3, 29, 6, 10)  # 07:00 BST + 10 minutes
    assert due_at(s, 2, 0) == utc(2026, 3, 30, 6)


# --- day_for_instant at the window's edges ---------------------------------------------------


EDGE_SCHEDULES = [
    Schedule("America/New_York", date(2026, 3, 6), 5, 90, 4 * 60),
    Schedule("America/New_York", date(2026, 10, 30), 5, 30, 3 * 60),
    Schedule("Europe/London", date(2026, 3, 27), 5, 60, 2 * 60 + 30),
    Schedule("Europe/London", date(2026, 10, 23), 5, 90, 1440),
    Schedule("Australia/Lord_Howe", date(2026, 4, 3), 5, 90, 2 * 60 + 15),
    Schedule("Australia/Lord_Howe", date(2026, 10, 2), 5, 0, 1440),
    Schedule("Asia/Shanghai", date(2026, 1, 1), 5, 6 * 60, 6 * 60 + 1),
]


@pytest.mark.parametrize("schedule", EDGE_SCHEDULES, ids=lambda s: f"{s.timezone}-{s.start_date}")
def test_window_contains_its_open_and_excludes_its_close(schedule: Schedule) -> None:
    assert invalid_days(schedule) == []
    for k in range(schedule.days):
        opens_at, closes_at = day_window(schedule, k)
        assert day_for_instant(schedule, opens_at) == k
        assert day_for_instant(schedule, closes_at - US) == k
        assert day_for_instant(schedule, opens_at - US) in (None, k - 1)
        assert day_for_instant(schedule, closes_at) in (None, k + 1)
        if schedule.close_minute - schedule.open_minute < 1440:
            assert day_for_instant(schedule, opens_at - US) is None
            assert day_for_instant(schedule, closes_at) is None
        # Any zone's offset for the same instant gives the same answer.
        assert day_for_instant(schedule, opens_at.astimezone(hours(-11))) == k
        assert day_for_instant(schedule, (closes_at - US).astimezone(hours(13.75))) == k


def test_day_for_instant_before_and_after_the_challenge_is_none() -> None:
    s = Schedule("Asia/Shanghai", date(2026, 1, 1), 2, 0, 1440)
    assert day_for_instant(s, utc(2025, 12, 31, 15, 59, 59, 999999)) is None
    assert day_for_instant(s, utc(2025, 12, 31, 16)) == 0
    assert day_for_instant(s, utc(2026, 1, 2, 15, 59, 59, 999999)) == 1
    assert day_for_instant(s, utc(2026, 1, 2, 16)) is None
    assert day_for_instant(s, utc(2030, 1, 1)) is None
    assert day_for_instant(s, utc(2000, 1, 1)) is None


def test_day_for_instant_refuses_naive_datetimes() -> None:
    s = Schedule("Asia/Shanghai", date(2026, 1, 1), 2, 0, 1440)
    with pytest.raises(ValueError, match="aware"):
        day_for_instant(s, datetime(2026, 1, 1, 12))
    with pytest.raises(ValueError, match="aware"):
        next_window_open(s, datetime(2026, 1, 1, 12))


# --- next_window_open ------------------------------------------------------------------------


def test_next_window_open_examples() -> None:
    s = Schedule("America/New_York", date(2026, 3, 7), 3, 6 * 60, 7 * 60)
    opens = [day_window(s, k)[0] for k in range(3)]
    assert opens == [utc(2026, 3, 7, 11), utc(2026, 3, 8, 10), utc(2026, 3, 9, 10)]
    assert next_window_open(s, utc(2020, 1, 1)) == opens[0]
    assert next_window_open(s, opens[0] - US) == opens[0]
    assert next_window_open(s, opens[0]) == opens[1]  # strictly after, even inside the window
    assert next_window_open(s, opens[1] + timedelta(minutes=30)) == opens[2]
    assert next_window_open(s, opens[2] - US) == opens[2]
    assert next_window_open(s, opens[2]) is None
    assert next_window_open(s, utc(2030, 1, 1)) is None


# --- invalid_days ----------------------------------------------------------------------------


def test_invalid_days_finds_an_inverted_window_in_a_spring_forward_gap() -> None:
    s = Schedule("America/New_York", date(2026, 3, 6), 5, 2 * 60 + 40, 3 * 60 + 10)  # 02:40-03:10
    assert invalid_days(s) == [2]
    opens_at, closes_at = day_window(s, 2)
    assert (opens_at, closes_at) == (utc(2026, 3, 8, 7, 40), utc(2026, 3, 8, 7, 10))
    assert day_for_instant(s, utc(2026, 3, 8, 7, 20)) is None


@pytest.mark.parametrize(
    ("schedule", "bad"),
    [
        # 02:00-03:00 does not exist in New York that night: open and close are both 07:00Z.
        (Schedule("America/New_York", date(2026, 3, 8), 1, 120, 180), [0]),
        (Schedule("Europe/London", date(2026, 3, 28), 3, 90, 120), [1]),
        (Schedule("Australia/Lord_Howe", date(2026, 10, 3), 3, 120, 150), [1]),
        # 02:30 in the gap is 07:30Z, later than 03:20 EDT = 07:20Z ...
        (Schedule("America/New_York", date(2026, 3, 8), 1, 150, 200), [0]),
        # ... but 03:31 EDT = 07:31Z is after it.
        (Schedule("America/New_York", date(2026, 3, 8), 1, 150, 211), []),
        # Both bounds in the gap shift together: a valid, if odd, window.
        (Schedule("Australia/Lord_Howe", date(2026, 10, 3), 3, 125, 140), []),
        (Schedule("America/New_York", date(2026, 3, 8), 1, 90, 181), []),
        (Schedule("Europe/London", date(2026, 10, 24), 3, 60, 120), []),
        (Schedule("Asia/Shanghai", date(2026, 1, 1), 366, 0, 1), []),
    ],
)
def test_invalid_days(schedule: Schedule, bad: list[int]) -> None:
    assert invalid_days(schedule) == bad


@pytest.mark.parametrize(("zone", "day", "switch", "before", "after"), DST_DAYS)
def test_invalid_days_on_every_window_of_a_change_day(
    zone: str, day: date, switch: int, before: float, after: float
) -> None:
    """Every (open, close) pair on a 5-minute grid over the small hours: invalid exactly when
    UTC close <= UTC open."""
    grid = [*range(0, 5 * 60 + 1, 5), 720, 1435, 1440]
    for open_minute in grid:
        for close_minute in grid:
            if close_minute <= open_minute:
                continue
            s = Schedule(zone, day, 1, open_minute, close_minute)
            inverted = expected_utc(switch, before, after, day, close_minute) <= expected_utc(
                switch, before, after, day, open_minute
            )
            assert invalid_days(s) == ([0] if inverted else []), (open_minute, close_minute)


def test_invalid_days_flags_windows_that_overlap_a_neighbour() -> None:
    """Samoa skipped 2011-12-30: that date's 06:00, resolved with fold=0, is the 31st's 06:00."""
    s = Schedule("Pacific/Apia", date(2011, 12, 29), 3, 6 * 60, 7 * 60)
    w29, w30, w31 = (day_window(s, k) for k in range(3))
    assert w29 == (utc(2011, 12, 29, 16), utc(2011, 12, 29, 17))
    assert w30 == w31 == (utc(2011, 12, 30, 16), utc(2011, 12, 30, 17))
    assert invalid_days(s) == [1, 2]
    assert day_for_instant(s, w31[0]) == 1  # the lowest day wins while the schedule is invalid


def test_an_instant_can_belong_to_the_day_after_its_local_date() -> None:
    """Goose Bay left double daylight time at 00:01 on 1988-10-30, back two hours to 22:01."""
    s = Schedule("America/Goose_Bay", date(1988, 10, 29), 3, 0, 1440)
    assert invalid_days(s) == []
    t = utc(1988, 10, 30, 2, 5)
    assert t.astimezone(ZoneInfo("America/Goose_Bay")).date() == date(1988, 10, 29)
    assert day_window(s, 1)[0] <= t < day_window(s, 1)[1]
    assert day_for_instant(s, t) == 1


# Zones whose clocks did something rarer than a one-hour change near midnight.
ODD_DAYS = [
    ("America/Goose_Bay", date(1988, 10, 29)),  # back two hours at 00:01, into the day before
    ("Pacific/Apia", date(2011, 12, 28)),  # skipped 2011-12-30 entirely
    ("Pacific/Kwajalein", date(1993, 8, 19)),  # skipped 1993-08-21
    ("America/Sao_Paulo", date(2018, 2, 16)),  # back at midnight to 23:00
    ("America/Sao_Paulo", date(2018, 11, 3)),  # forward at midnight: 00:00-01:00 never happened
    ("Australia/Lord_Howe", date(2026, 10, 3)),
]


@pytest.mark.parametrize(("zone", "start"), ODD_DAYS)
@pytest.mark.parametrize("bounds", [(0, 1440), (0, 60), (30, 90), (1380, 1440), (120, 150), (360, 420)])
def test_day_for_instant_and_next_open_match_brute_force_around_odd_changes(
    zone: str, start: date, bounds: tuple[int, int]
) -> None:
    s = Schedule(zone, start, 4, *bounds)
    windows = [day_window(s, k) for k in range(s.days)]
    first = local_instant(zone, start - timedelta(days=1), 0)
    instants = [first + timedelta(minutes=15 * i) for i in range(6 * 96)]
    instants += [bound + nudge for window in windows for bound in window for nudge in (-US, 0 * US, US)]
    for t in instants:
        hits = [k for k, (o, c) in enumerate(windows) if o <= t < c]
        assert day_for_instant(s, t) == (hits[0] if hits else None), t
        later = [o for o, _ in windows if o > t]
        assert next_window_open(s, t) == (min(later) if later else None), t


# --- properties over random schedules and instants -------------------------------------------

schedules = st.builds(
    lambda zone, start, days, bounds: Schedule(zone, start, days, *bounds),
    st.sampled_from(ZONES),
    st.dates(date(2025, 9, 1), date(2026, 12, 31)),
    st.integers(1, 366),
    st.one_of(
        st.tuples(st.integers(0, 1439), st.integers(1, 1440)).filter(lambda b: b[0] < b[1]),
        # Bias towards the hours where clocks change, and the edges of the day.
        st.tuples(
            st.sampled_from([0, 60, 90, 100, 120, 130, 150, 160, 180, 1380]),
            st.sampled_from([1, 90, 120, 125, 150, 170, 180, 200, 1439, 1440]),
        ).filter(lambda b: b[0] < b[1]),
    ),
)


@st.composite
def schedule_and_instant(draw: st.DrawFn) -> tuple[Schedule, datetime]:
    s = draw(schedules)
    k = draw(st.integers(-2, s.days + 1))
    anchor = local_instant(
        s.timezone,
        s.start_date + timedelta(days=k),
        draw(st.sampled_from([s.open_minute, s.close_minute, 0, 1440])),
    )
    nudge = draw(
        st.one_of(
            st.sampled_from([timedelta(0), US, -US]),
            st.timedeltas(timedelta(hours=-30), timedelta(hours=30)),
        )
    )
    # The instant may come in any zone's clothes; only the instant itself matters.
    offset = draw(st.sampled_from([0, -12 * 60, -210, 345, 14 * 60]))
    return s, (anchor + nudge).astimezone(timezone(timedelta(minutes=offset)))


def brute_day_for_instant(s: Schedule, t: datetime) -> int | None:
    hits = [k for k in range(s.days) if day_window(s, k)[0] <= t < day_window(s, k)[1]]
    if not invalid_days(s):
        assert len(hits) <= 1
    return hits[0] if hits else None


@settings(max_examples=200, deadline=None)
@given(schedule_and_instant())
def test_day_for_instant_matches_brute_force(case: tuple[Schedule, datetime]) -> None:
    s, t = case
    assert day_for_instant(s, t) == brute_day_for_instant(s, t)


@settings(max_examples=200, deadline=None)
@given(schedule_and_instant())
def test_next_window_open_is_the_first_open_after_t(case: tuple[Schedule, datetime]) -> None:
    s, t = case
    opens = [day_window(s, k)[0] for k in range(s.days)]
    later = [o for o in opens if o > t]
    nxt = next_window_open(s, t)
    if not later:
        assert nxt is None
    else:
        assert nxt in opens
        assert nxt > t
        assert not any(t < o < nxt for o in opens)
        assert nxt == min(later)


@settings(max_examples=200, deadline=None)
@given(schedules)
def test_windows_of_consecutive_days_never_overlap(s: Schedule) -> None:
    windows = [day_window(s, k) for k in range(s.days)]
    for (_, close_k), (open_next, _) in zip(windows, windows[1:], strict=False):
        assert close_k <= open_next
    bad = set(invalid_days(s))
    for k, (opens_at, closes_at) in enumerate(windows):
        assert (closes_at <= opens_at) == (k in bad)
        if k not in bad:
            assert timedelta(0) < closes_at - opens_at <= timedelta(hours=25)
