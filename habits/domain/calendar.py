"""Challenge days and their check-in windows, in the challenge's zone and in UTC.

SPEC, "Time":

    A challenge has an IANA ``timezone``, a local ``start_date``, ``days`` N (1 ... 366), and a
    daily window ``window_open`` < ``window_close`` in local time (``window_close`` may be
    ``24:00``, the end of the day).

    Day k's window is ``[start_date+k at window_open, start_date+k at window_close)`` in the
    challenge's zone, converted to UTC with the zone's rules on that date (daylight-saving
    changes included; a local time that does not exist or exists twice resolves as Python's
    ``zoneinfo`` does with fold=0).

    A check-in made at server instant t belongs to the day whose window contains t.

    Day k is due for settlement at ``window_close_k + review_minutes``.

Window bounds are minutes since local midnight; 1440 ("24:00") is the next local midnight.

With fold=0, zoneinfo applies the UTC offset in force *before* a transition. So a wall time in
a spring-forward gap maps to a later instant than its neighbours just after the gap: on
2026-03-08 in America/New_York, 02:40 is 07:40Z but 03:10 is 07:10Z. A window whose bounds
straddle a gap like that is empty or inverted in UTC; :func:`invalid_days` finds those days so
challenge validation can refuse the schedule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 1440
#: SPEC: ``days`` N is 1 ... 366. Schedule itself only insists on N >= 1; validators use this.
MAX_DAYS = 366

_HHMM = re.compile(r"[0-9]{2}:[0-9]{2}")


@dataclass(frozen=True)
class Schedule:
    """When a challenge's days and check-in windows are, as its organizer set them."""

    timezone: str
    start_date: date
    days: int
    #: minutes since local midnight, 0 <= open_minute < close_minute
    open_minute: int
    #: minutes since local midnight, <= 1440; 1440 is "24:00", the next local midnight
    close_minute: int

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError(f"a challenge has at least 1 day, got {self.days}")
        if not 0 <= self.open_minute < self.close_minute <= MINUTES_PER_DAY:
            raise ValueError(
                "the window must open before it closes, within the day "
                f"(got {_safe_hhmm(self.open_minute)}-{_safe_hhmm(self.close_minute)})"
            )
        _zone(self.timezone)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)


def parse_hhmm(text: str) -> int:
    """Parse ``"HH:MM"`` (two digits each, ``00:00`` ... ``24:00``) into minutes since midnight.

    Raises ValueError with a message fit to show next to a form field.
    """
    if not isinstance(text, str) or not _HHMM.fullmatch(text):
        raise ValueError(f"{text!r} is not a time; write it as HH:MM, e.g. 06:30")
    hours, minutes = int(text[:2]), int(text[3:])
    if minutes > 59:
        raise ValueError(f"{text!r} is not a time: minutes go from 00 to 59")
    if hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(f"{text!r} is not a time: it must be between 00:00 and 24:00")
    return hours * 60 + minutes


def format_hhmm(minute: int) -> str:
    """Minutes since midnight (0 ... 1440) as ``"HH:MM"``; 1440 is ``"24:00"``."""
    if not 0 <= minute <= MINUTES_PER_DAY:
        raise ValueError(f"minute of day must be within 0 ... 1440, got {minute}")
    return f"{minute // 60:02d}:{minute % 60:02d}"


def local_instant(tz: ZoneInfo | str, day: date, minute: int) -> datetime:
    """The UTC instant of local wall time ``day`` + ``minute`` in ``tz``, resolved with fold=0.

    ``minute`` 1440 is 00:00 of the next local date.
    """
    if not 0 <= minute <= MINUTES_PER_DAY:
        raise ValueError(f"minute of day must be within 0 ... 1440, got {minute}")
    zone = tz if isinstance(tz, ZoneInfo) else _zone(tz)
    if minute == MINUTES_PER_DAY:
        day, minute = day + timedelta(days=1), 0
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return wall.astimezone(UTC)


def day_date(schedule: Schedule, k: int) -> date:
    """The local date of day k."""
    _check_day(schedule, k)
    return schedule.start_date + timedelta(days=k)


def day_window(schedule: Schedule, k: int) -> tuple[datetime, datetime]:
    """Day k's check-in window ``[open, close)`` as aware UTC datetimes.

    Raises ValueError when k is not in 0 ... days-1.
    """
    local_date = day_date(schedule, k)
    zone = schedule.zone
    return (
        local_instant(zone, local_date, schedule.open_minute),
        local_instant(zone, local_date, schedule.close_minute),
    )


def day_zero_open(schedule: Schedule) -> datetime:
    """When day 0's window opens: enrollment closes and unpaid enrollments are cancelled."""
    return day_window(schedule, 0)[0]


def due_at(schedule: Schedule, k: int, review_minutes: int) -> datetime:
    """When day k is due for settlement: its window's close plus the review period."""
    if review_minutes < 0:
        raise ValueError(f"review_minutes cannot be negative, got {review_minutes}")
    return day_window(schedule, k)[1] + timedelta(minutes=review_minutes)


def day_for_instant(schedule: Schedule, t: datetime) -> int | None:
    """The day whose window contains instant ``t`` (aware, any zone), or None.

    Runs on the check-in path, so it looks only at the days around t's local date. That is
    enough: a window's bounds and every instant inside it are at most one local date away
    from the window's own date as long as the zone's offsets differ by no more than 24 hours,
    which holds for every zone in the tz database (Samoa's 2011 date-line jump is exactly 24h).
    If windows overlap (a schedule :func:`invalid_days` rejects), the lowest day wins.
    """
    k0 = _local_day_index(schedule, t)
    for k in range(max(0, k0 - 1), min(schedule.days, k0 + 2)):
        opens_at, closes_at = day_window(schedule, k)
        if opens_at <= t < closes_at:
            return k
    return None


def next_window_open(schedule: Schedule, t: datetime) -> datetime | None:
    """The earliest window open strictly after ``t`` (aware), or None if no window opens later.

    This is what a refused check-in tells the member. If ``t`` is inside day k's window the
    answer is day k+1's open, not day k's.
    """
    # Day k's open is before t for every k < t's local day - 1 (same offset bound as above),
    # and opens grow with k, so the first open after t met from there on is the earliest.
    for k in range(max(0, _local_day_index(schedule, t) - 1), schedule.days):
        opens_at = day_window(schedule, k)[0]
        if opens_at > t:
            return opens_at
    return None


def invalid_days(schedule: Schedule) -> list[int]:
    """Days whose window cannot hold a check-in or overlaps a neighbouring day's, ascending.

    A day is invalid when its window is empty or inverted in UTC (close <= open), which
    happens when a bound falls in a spring-forward gap, or when it overlaps the window of the
    day before or after (only possible where a gap spans midnight, as when Samoa skipped
    2011-12-30: that date's 06:00, resolved with fold=0, is the 31st's 06:00).
    Either way "the day whose window contains t" would be undefined, so validation rejects
    any schedule for which this list is not empty.
    """
    bad: set[int] = set()
    previous_close: datetime | None = None
    for k in range(schedule.days):
        opens_at, closes_at = day_window(schedule, k)
        if closes_at <= opens_at:
            bad.add(k)
        if previous_close is not None and opens_at < previous_close:
            # Both days are to blame; naming the earlier one points at the skipped date.
            bad.update((k - 1, k))
        previous_close = closes_at
    return sorted(bad)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"{name!r} is not a known IANA time zone") from None


def _check_day(schedule: Schedule, k: int) -> None:
    if not 0 <= k < schedule.days:
        raise ValueError(f"day {k} is outside this challenge's days 0 ... {schedule.days - 1}")


def _local_day_index(schedule: Schedule, t: datetime) -> int:
    """Index of t's local date relative to start_date (may be negative or >= days)."""
    if t.tzinfo is None or t.utcoffset() is None:
        # A naive datetime would silently be read as the server's local time.
        raise ValueError("instant must be timezone-aware")
    return (t.astimezone(schedule.zone).date() - schedule.start_date).days


def _safe_hhmm(minute: int) -> str:
    return format_hhmm(minute) if 0 <= minute <= MINUTES_PER_DAY else str(minute)
