"""Community health, the pure parts (SPEC, "Community health figures"): shares as exact ratios,
the local week a date belongs to, and the alert's episodes of consecutive dates below a threshold.

The counting itself is SQL (``habits.services.community_health``); what is decided from the
counts lives here, so it is tested on worked cases without a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

#: SPEC's survival horizons, in days
SURVIVAL_DAYS = (7, 30)
#: survival counts a check-in in the 7 days ending on join date + N
SURVIVAL_WINDOW_DAYS = 7
BPS = 10_000


def share(part: int, whole: int) -> float | None:
    """``part / whole`` as a fraction, None when there is nobody to divide by."""
    return None if whole <= 0 else part / whole


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (ISO weeks: the cohorts' join weeks)."""
    return day - timedelta(days=day.weekday())


def is_below(active: int, members: int, threshold_bps: int) -> bool:
    """Active share strictly below the threshold, compared in integers. A date with no members
    is not below anything (there is nobody to lose)."""
    return members > 0 and active * BPS < threshold_bps * members


@dataclass(frozen=True)
class Episode:
    """A run of consecutive dates below the threshold that lasted at least two dates."""

    start: date
    #: the second date below: when the alert fires
    fired_on: date


def episodes_below(days: Iterable[tuple[date, int, int]], threshold_bps: int) -> list[Episode]:
    """Every run of two or more consecutive dates below ``threshold_bps`` among ``days``
    (``(day, members, active)``, any order). A date missing from ``days`` breaks a run."""
    runs: list[Episode] = []
    run_start, run_length, last = None, 0, None
    for day, members, active in sorted(days):
        if not is_below(active, members, threshold_bps):
            run_length = 0
        elif run_length and day == last + timedelta(days=1):
            run_length += 1
        else:
            run_start, run_length = day, 1
        if run_length == 2:
            runs.append(Episode(start=run_start, fired_on=day))
        last = day
    return runs


def checkin_rate(winners: int, rest_days: int, misses: int, withdrawn: int) -> float | None:
    """SPEC: valid check-ins of day k over the enrollments taking part in it (active at its
    settlement, plus those eliminated on it). A settled day's takers are its winners, rest days
    and misses (eliminations among them) and the quitters settled on it."""
    return share(winners, winners + rest_days + misses + withdrawn)
