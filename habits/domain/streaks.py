"""Streaks (SPEC, "Streaks, rank and levels").

A member's streak in a challenge is the number of consecutive challenge days, ending with the
latest day that has a valid (not voided) check-in or is still open, that have a valid check-in.
Callers pass the day indexes with a valid check-in; check-ins of eliminated or withdrawn members
count.
"""

from __future__ import annotations


def current_streak(days: set[int], *, last_opened: int, last_is_open: bool) -> int:
    """Consecutive checked-in days ending at ``last_opened`` (or the day before, while it is open).

    ``last_opened`` is the index of the latest day whose window has opened (-1 before day 0); an
    open day the member has not checked in yet does not break the streak.
    """
    k = last_opened
    if k not in days and last_is_open:
        k -= 1
    streak = 0
    while k >= 0 and k in days:
        streak, k = streak + 1, k - 1
    return streak
