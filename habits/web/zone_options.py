"""The organizer forms' time-zone menu: every IANA zone of a region, with its offset now.

A stand-in for the shared picker (``habits/web/zone_picker.py`` with
``templates/_macros/zone_picker.html``): the launch and rules pages render this menu only through
``templates/organizer/_zone_select.html``, so swapping in the shared picker is that partial and
the ``zone_options`` call in ``habits/web/organizer.py``. The form field stays a string checked by
``forms.validate_zone``: a hand-made request with another zone is refused as before.
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from habits.web.i18n import valid_zone

#: the IANA regions people live in (no Etc/GMT+5, no backward-compatible US/Pacific)
REGIONS = frozenset(
    {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
)


@dataclass(frozen=True)
class ZoneOption:
    #: the IANA name, what the form posts
    value: str
    #: ``Asia/Shanghai (UTC+08:00)``
    label: str


@functools.cache
def zone_names() -> tuple[str, ...]:
    """The zones offered, alphabetical (a select jumps to what one types), UTC last."""
    names = {name for name in zoneinfo.available_timezones() if name.split("/", 1)[0] in REGIONS}
    return (*sorted(names), "UTC")


def utc_offset(offset: timedelta) -> str:
    """``UTC+08:00``, ``UTC-03:30``, ``UTC+00:00``."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def zone_label(name: str, now: datetime) -> str:
    offset = now.astimezone(zoneinfo.ZoneInfo(name)).utcoffset() or timedelta()
    return f"{name.replace('_', ' ')} ({utc_offset(offset)})"


#: offsets change only at a transition, and every zone's falls on a quarter hour
SLOT = timedelta(minutes=15)


@functools.lru_cache(maxsize=4)
def _options_at(slot: datetime) -> tuple[ZoneOption, ...]:
    return tuple(ZoneOption(name, zone_label(name, slot)) for name in zone_names())


def zone_options(now: datetime, selected: str | None = None) -> list[ZoneOption]:
    """The menu at ``now`` (offsets change with daylight saving); ``selected`` is offered too
    when it is a valid zone outside the list (a challenge stored with ``Etc/UTC``)."""
    slot = now.astimezone(UTC)
    slot -= (slot - slot.replace(minute=0, second=0, microsecond=0)) % SLOT
    options = list(_options_at(slot))
    if selected and selected not in zone_names() and valid_zone(selected):
        options.insert(0, ZoneOption(selected, zone_label(selected, now)))
    return options
