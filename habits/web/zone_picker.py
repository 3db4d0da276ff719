"""The time-zone picker: every IANA zone with its UTC offset now, searchable as one types.

A page puts ``zone_options(now)`` in the macro of ``templates/_macros/zone_picker.html``: an
``<input list>`` and its ``<datalist>`` (the browser filters the options by what is typed, by
the zone's name or its offset, ``-08:00``), with a little script that fills in the phone's own
zone when the field is empty, and offers it when it is another one. Without the script it is a
text field, and ``read_zone`` judges what was typed: any zone the tz database knows, whatever
the case, with spaces for underscores (``america/los angeles``), so a zone a browser reports
under an older name (``Asia/Calcutta``) is taken too.
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wtforms.validators import StopValidation

#: names of the tz database that are not places people pick: old aliases kept for software
NOT_OFFERED_PREFIXES = (
    *("Etc/", "SystemV/", "posix", "right/"),
    *("US/", "Canada/", "Mexico/", "Brazil/", "Chile/"),
)
MAX_LENGTH = 64


@dataclass(frozen=True)
class ZoneOption:
    #: the IANA name, what the field holds: ``America/Los_Angeles``
    key: str
    #: what the list shows beside it: ``UTC-08:00 · Los Angeles``
    label: str


@functools.cache
def known_zones() -> dict[str, str]:
    """Every zone of the tz database, by its name folded (lower case, spaces for underscores)."""
    return {_folded(key): key for key in zoneinfo.available_timezones() if key != "localtime"}


def _folded(text: str) -> str:
    return text.strip().replace(" ", "_").casefold()


def read_zone(text: object) -> str | None:
    """The zone ``text`` names (``america/los angeles`` -> ``America/Los_Angeles``), or None."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LENGTH:
        return None
    return known_zones().get(_folded(text))


def offered(key: str) -> bool:
    return "/" in key and not key.startswith(NOT_OFFERED_PREFIXES) or key == "UTC"


def offset_label(offset: timedelta) -> str:
    """``+08:00``, ``-05:00`` (a hyphen-minus: what people type when they search)."""
    minutes = int(offset.total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    return f"{'+' if minutes >= 0 else '-'}{hours:02d}:{rest:02d}"


def zone_options(now: datetime) -> tuple[ZoneOption, ...]:
    """The zones people pick, west to east, each with its offset at ``now`` (recomputed each
    hour: offsets change with daylight saving)."""
    return _options_at(now.astimezone(UTC).replace(minute=0, second=0, microsecond=0))


@functools.lru_cache(maxsize=4)
def _options_at(hour: datetime) -> tuple[ZoneOption, ...]:
    rows = []
    for key in set(known_zones().values()):
        if not offered(key):
            continue
        offset = hour.astimezone(zoneinfo.ZoneInfo(key)).utcoffset() or timedelta()
        place = key.rsplit("/", 1)[-1].replace("_", " ")
        rows.append((offset, key, ZoneOption(key, f"UTC{offset_label(offset)} · {place}")))
    rows.sort(key=lambda row: (row[0], row[1]))
    return tuple(option for _offset, _key, option in rows)


class ZoneField:
    """A WTForms validator for a zone picker's field: the zone's own name goes in ``field.data``
    (``america/los angeles`` -> ``America/Los_Angeles``), else the field says what to do."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        zone = read_zone(field.data)
        if zone is None:
            raise StopValidation(self.message)
        field.data = zone
