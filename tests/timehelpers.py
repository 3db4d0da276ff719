"""Moving time in tests: time-machine, never sleep. ``local(...)`` reads like the SPEC's words."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import time_machine


def local(tz: str, day: date, hhmm: str) -> datetime:
    """The UTC instant of local wall time ``hhmm`` on ``day`` in zone ``tz`` (fold=0)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    wall = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz))
    return wall.astimezone(UTC)


def travel(instant: datetime):
    """Freeze the clock at ``instant`` (a context manager; ``tick=False`` keeps it exact)."""
    return time_machine.travel(instant, tick=False)
