"""Streaks (SPEC, "Streaks, rank and levels").

A member's streak in a challenge is the number of consecutive challenge days, ending with the
latest day that has a valid (not voided) check-in or is still open, that have a valid check-in.
Rest days and excused days neither break a streak nor add to it ("neutral" below); a voided
check-in is a miss. Callers pass the day indexes with a valid check-in; check-ins of eliminated
or withdrawn members count.

A member's streak in a community counts consecutive dates in the member's own zone with at least
one valid check-in in any of the community's challenges; dates on which none of the member's
challenges there had a window neither break nor add. ``window_dates`` places each challenge day on
one date of the member's zone (the choice written down in the issue's note): the date of its
valid check-in when it has one, else the date its window opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Streak:
    current: int
    best: int


def current_streak(
    days: set[int], *, last_opened: int, last_is_open: bool, neutral: set[int] | frozenset[int] = frozenset()
) -> int:
    """Consecutive checked-in days ending at ``last_opened`` (or the day before, while it is open).

    ``last_opened`` is the index of the latest day whose window has opened (-1 before day 0); an
    open day the member has not checked in yet does not break the streak. Days in ``neutral``
    (rest days, excused days) without a check-in are skipped: they neither break nor add.
    """
    k = last_opened
    if k not in days and last_is_open:
        k -= 1
    streak = 0
    while k >= 0 and (k in days or k in neutral):
        if k in days:
            streak += 1
        k -= 1
    return streak


def best_streak(days: Iterable[int], *, neutral: set[int] | frozenset[int] = frozenset()) -> int:
    """The longest run of checked-in days, neutral days skipped (neither breaking nor adding)."""
    covered = sorted(set(days) | set(neutral))
    checked = set(days)
    best = run = 0
    previous = None
    for day in covered:
        if previous is not None and day != previous + 1:
            run = 0
        if day in checked:
            run += 1
            best = max(best, run)
        previous = day
    return best


def challenge_streak(
    days: set[int], *, last_opened: int, last_is_open: bool, neutral: set[int] | frozenset[int] = frozenset()
) -> Streak:
    """Current and best streak in one challenge (days beyond ``last_opened`` are ignored)."""
    days = {d for d in days if d <= last_opened}
    neutral = {d for d in neutral if d <= last_opened}
    current = current_streak(days, last_opened=last_opened, last_is_open=last_is_open, neutral=neutral)
    return Streak(current=current, best=max(current, best_streak(days, neutral=neutral)))


@dataclass(frozen=True)
class WindowDay:
    """One opened challenge day of a member, as the community streak sees it."""

    opens_at: datetime
    #: the instant of its valid check-in, if any
    checked_in_at: datetime | None
    #: a rest day or an excused day without a check-in: no date at all
    neutral: bool = False
    #: its window is open now
    open_now: bool = False


def window_dates(windows: Sequence[WindowDay], zone: str) -> tuple[set[date], set[date], set[date]]:
    """(dates with a valid check-in, dates with a window, dates whose only unchecked windows are
    still open) in the member's zone ``zone``."""
    tz = ZoneInfo(zone)
    checked: set[date] = set()
    windowed: set[date] = set()
    pending: set[date] = set()
    for window in windows:
        if window.checked_in_at is not None:
            d = window.checked_in_at.astimezone(tz).date()
            checked.add(d)
            windowed.add(d)
        elif not window.neutral:
            d = window.opens_at.astimezone(tz).date()
            windowed.add(d)
            if window.open_now:
                pending.add(d)
    return checked, windowed, pending - checked


def date_streak(checked: set[date], windowed: set[date], pending: set[date] = frozenset()) -> Streak:
    """Current and best community streak over dates: a date with a window and no check-in is a
    miss, unless its window is still open (``pending``: it does not break the current streak);
    dates without a window do not exist for the streak."""
    ordered = sorted(windowed)
    best = run = 0
    for d in ordered:
        run = run + 1 if d in checked else 0
        best = max(best, run)
    current = 0
    for d in reversed(ordered):
        if d in checked:
            current += 1
        elif d in pending and current == 0:
            continue
        else:
            break
    return Streak(current=current, best=best)
