"""Streak rules (SPEC, "Streaks, rank and levels") on worked cases, and the levels table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from habits.domain.levels import (
    LEVEL_NAMES,
    LEVELS,
    Badge,
    badges_at_check_in,
    level_for,
    next_level_at,
    next_level_needs,
)
from habits.domain.streaks import Streak, WindowDay, best_streak, challenge_streak, date_streak, window_dates


@pytest.mark.parametrize(
    "days, neutral, last, is_open, expected",
    [
        # checked in on days 0-3, day 4 open and not yet checked in: the open day does not break
        ({0, 1, 2, 3}, set(), 4, True, Streak(4, 4)),
        # ...once it closes unchecked, it is a miss
        ({0, 1, 2, 3}, set(), 4, False, Streak(0, 4)),
        # a rest day (2) neither breaks nor adds
        ({0, 1, 3, 4}, {2}, 4, False, Streak(4, 4)),
        # an excused day at the end: the run before it stands
        ({0, 1}, {2}, 2, False, Streak(2, 2)),
        # a voided check-in is not in ``days``: a miss, then a new run
        ({0, 1, 3}, set(), 3, False, Streak(1, 2)),
        # nothing opened yet
        (set(), set(), -1, False, Streak(0, 0)),
        # best run earlier than the current one
        ({0, 1, 2, 3, 5, 6}, set(), 6, False, Streak(2, 4)),
    ],
)
def test_challenge_streak_worked_cases(days, neutral, last, is_open, expected):
    assert challenge_streak(days, last_opened=last, last_is_open=is_open, neutral=neutral) == expected


def test_best_streak_skips_neutral_days():
    assert best_streak({0, 1, 3, 4, 5}, neutral={2}) == 5
    assert best_streak({0, 1, 4}, neutral={2}) == 2


def _at(d: date, hour: int) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


def test_community_streak_counts_dates_in_the_members_zone_across_challenges():
    d0 = date(2026, 3, 2)
    # two challenges of one community: dates 0 and 1 through challenge A, date 2 through B;
    # date 3 had no window at all (does not break); date 4 checked in through A
    windows = [
        WindowDay(_at(d0, 0), _at(d0, 1)),
        WindowDay(_at(d0 + timedelta(days=1), 0), _at(d0 + timedelta(days=1), 1)),
        WindowDay(_at(d0 + timedelta(days=2), 0), _at(d0 + timedelta(days=2), 2)),
        WindowDay(
            _at(d0 + timedelta(days=2), 5), None
        ),  # B's window on date 2, missed: A's check-in covers it
        WindowDay(_at(d0 + timedelta(days=4), 0), _at(d0 + timedelta(days=4), 1)),
    ]
    checked, windowed, pending = window_dates(windows, "UTC")
    assert date_streak(checked, windowed, pending) == Streak(4, 4)


def test_community_streak_uses_the_members_own_zone():
    # 23:30 UTC is the next date in Shanghai: two check-ins on consecutive UTC dates fall on
    # consecutive Shanghai dates too, one at 23:30 and one at 00:30 UTC the day after next
    windows = [
        WindowDay(datetime(2026, 3, 2, 23, 0, tzinfo=UTC), datetime(2026, 3, 2, 23, 30, tzinfo=UTC)),
        WindowDay(datetime(2026, 3, 3, 23, 0, tzinfo=UTC), datetime(2026, 3, 4, 0, 30, tzinfo=UTC)),
    ]
    checked, windowed, pending = window_dates(windows, "Asia/Shanghai")
    assert checked == {date(2026, 3, 3), date(2026, 3, 4)}
    assert date_streak(checked, windowed, pending) == Streak(2, 2)


def test_community_streak_a_missed_date_breaks_an_open_one_does_not():
    d = date(2026, 3, 2)
    missed = [WindowDay(_at(d, 0), _at(d, 1)), WindowDay(_at(d + timedelta(days=1), 0), None)]
    assert date_streak(*window_dates(missed, "UTC")) == Streak(0, 1)
    still_open = [
        WindowDay(_at(d, 0), _at(d, 1)),
        WindowDay(_at(d + timedelta(days=1), 0), None, open_now=True),
    ]
    assert date_streak(*window_dates(still_open, "UTC")) == Streak(1, 1)
    rest = [WindowDay(_at(d, 0), _at(d, 1)), WindowDay(_at(d + timedelta(days=1), 0), None, neutral=True)]
    assert date_streak(*window_dates(rest, "UTC")) == Streak(1, 1)


def test_levels_table_is_ordered_and_read_from_one_place():
    assert [level for level, _ in LEVELS] == list(range(1, len(LEVELS) + 1))
    assert [needed for _, needed in LEVELS] == sorted({needed for _, needed in LEVELS})
    for level, needed in LEVELS:
        assert level_for(needed) == level
        if needed:
            assert level_for(needed - 1) == level - 1
    assert next_level_needs(0) == LEVELS[1][1]
    assert next_level_needs(LEVELS[-1][1]) is None
    assert next_level_at(5) == 7 and next_level_at(LEVELS[-1][1]) is None
    assert set(LEVEL_NAMES) == {level for level, _ in LEVELS}


def test_badges_at_check_in():
    assert badges_at_check_in(streak=1, first_ever=True, valid_before_in_challenge=0) == [
        Badge.FIRST_CHECK_IN
    ]
    assert badges_at_check_in(streak=1, first_ever=False, valid_before_in_challenge=3) == [Badge.COMEBACK]
    assert badges_at_check_in(streak=21, first_ever=False, valid_before_in_challenge=20) == [
        Badge.STREAK_7,
        Badge.STREAK_21,
    ]
