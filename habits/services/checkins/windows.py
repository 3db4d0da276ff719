"""The day's windows of a schedule, computed once per schedule, for finding an instant's day.

A schedule is a frozen value, so a changed challenge is simply a new key of the cache.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from datetime import datetime

from habits.domain.calendar import Schedule, day_window


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

    def last_opened(self, t: datetime) -> tuple[int, bool]:
        """(index of the latest day whose window has opened by ``t``, -1 before day 0; whether
        that window is still open): what a current streak ends with."""
        k = bisect.bisect_right(self.opens, t) - 1
        return k, k >= 0 and t < self.closes[k]

    def next_open_after(self, t: datetime) -> datetime | None:
        k = bisect.bisect_right(self.opens, t)
        return self.opens[k] if k < len(self.opens) else None


@functools.lru_cache(maxsize=512)
def window_table(schedule: Schedule) -> WindowTable:
    # Valid schedules (challenges.check_rules) have non-empty windows in increasing order.
    windows = [day_window(schedule, k) for k in range(schedule.days)]
    return WindowTable(tuple(w[0] for w in windows), tuple(w[1] for w in windows))
