"""Instants as the reader reads them: the one home of the rules every page's times follow.

- Zone: an instant is shown in the reader's zone (``reader_zone``): the signed-in member's;
  for a visitor, the zone of the challenge it belongs to; else UTC.
- Naming: when the reader's zone is not the challenge's, the zone is named ("4:00 PM (Los
  Angeles time)"), so nobody takes a Shanghai deadline for their own clock. An instant that
  belongs to no challenge (a wallet entry) is in the reader's own zone, and never named.
- Format: the reader's locale with its region (``i18n.format_locale``): CLDR's medium date and
  short time, never seconds, the same on every screen (``when``).
- Which day: a time written without its date says which day it is on. Near now it is relative
  to the reader's today ("tomorrow at 05:00", ``soon``); a window's bounds are relative to the
  challenge's date for that day ("22:00 the evening before", ``window_span``); further off the
  date is written out.
- A close at local midnight is "midnight" at the end of the day before it (a 24:00 close),
  never "00:00" of the next day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import has_request_context
from flask_babel import gettext

from habits.domain.calendar import day_date, day_window
from habits.unit_of_work import request_now
from habits.web.i18n import format_locale, select_timezone, valid_zone

#: names of the zone without offset; shown as "UTC"
_UTC_NAMES = ("UTC", "UCT", "Universal", "Zulu", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich")
UTC_KEYS = frozenset(_UTC_NAMES) | frozenset(f"Etc/{name}" for name in _UTC_NAMES)
#: a local hour from which "the day before" is "the evening before"
EVENING = 18
#: a local hour before which "the next day" is "the next morning"
NOON = 12
MIDNIGHT_HOUR = 24


# -- the reader's zone ------------------------------------------------------------------------


def reader_zone(rules_zone: str | None = None) -> str:
    """The zone the reader reads instants in: theirs when signed in, else the challenge's
    (``rules_zone``), else UTC."""
    own = select_timezone() if has_request_context() else None
    if own:
        return own
    if rules_zone and valid_zone(rules_zone):
        return rules_zone
    return "UTC"


def _same_zone(a: str, b: str) -> bool:
    return a == b or (a in UTC_KEYS and b in UTC_KEYS)


def zone_differs(rules_zone: str | None) -> bool:
    """Whether the reader reads the instants of a challenge in ``rules_zone`` in another zone."""
    return bool(rules_zone) and not _same_zone(reader_zone(rules_zone), rules_zone)


def zone_label(zone: str) -> str:
    """A zone as people name it, in the page's language: "Los Angeles time", "洛杉矶时间", "UTC",
    and "UTC−05:00" for the tz database's fixed ``Etc/GMT+5`` (whose sign is the other way)."""
    if zone in UTC_KEYS:
        return "UTC"
    tz = ZoneInfo(zone)
    if zone.startswith("Etc/"):
        offset = datetime.now(UTC).astimezone(tz).utcoffset() or timedelta()
        return "UTC" + offset_text(offset)
    city = babel_dates.get_timezone_location(tz, locale=format_locale(), return_city=True)
    return gettext("%(city)s time", city=city)


def offset_text(offset: timedelta) -> str:
    """``+08:00``, ``−05:00`` (a minus sign, not a hyphen), ``+05:30``."""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def _named(text: str, zone: str, rules_zone: str | None) -> str:
    if rules_zone and not _same_zone(zone, rules_zone):
        return gettext("%(time)s (%(zone)s)", time=text, zone=zone_label(zone))
    return text


# -- pieces -----------------------------------------------------------------------------------


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _local(instant: datetime, zone: str) -> datetime:
    return _aware(instant).astimezone(ZoneInfo(zone))


def _time(local: datetime) -> str:
    return babel_dates.format_time(local, "short", tzinfo=local.tzinfo, locale=format_locale())


def _date_and_time(local: datetime) -> str:
    locale = format_locale()
    pattern = str(locale.datetime_formats["medium"]).replace("'", "")
    day = babel_dates.format_date(local.date(), "medium", locale=locale)
    return pattern.replace("{0}", _time(local)).replace("{1}", day)


def _day_and_time(local: datetime, *, closing: bool) -> tuple[date, str, int]:
    """The local date a time belongs to, the time as written, and its hour (24 for midnight):
    a close at 00:00 is the end (midnight) of the date before."""
    if closing and local.hour == 0 and local.minute == 0:
        return local.date() - timedelta(days=1), gettext("midnight"), MIDNIGHT_HOUR
    return local.date(), _time(local), local.hour


def _today(zone: str) -> date:
    now = request_now() if has_request_context() else datetime.now(UTC)
    return _local(now, zone).date()


# -- what the templates call ------------------------------------------------------------------


def when(instant: datetime | None, rules_zone: str | None = None, _legacy_format: str | None = None) -> str:
    """Date and time of ``instant`` in the reader's zone (``8 Dec 2026, 16:00``), the zone named
    when it is not ``rules_zone`` (the zone of the challenge the instant belongs to). The third
    argument of older calls (a Babel format) is ignored: one format on every screen."""
    if instant is None:
        return ""
    zone = reader_zone(rules_zone)
    return _named(_date_and_time(_local(instant, zone)), zone, rules_zone)


def soon(instant: datetime | None, rules_zone: str | None = None, *, closing: bool = False) -> str:
    """``instant`` for a sentence, relative to the reader's today: ``16:00``, ``tomorrow at
    05:00``, ``yesterday at 23:10``, else date and time; the zone named as ``when`` does.
    ``closing``: a bound that ends a window (a local 00:00 is midnight of the day before)."""
    if instant is None:
        return ""
    zone = reader_zone(rules_zone)
    local = _local(instant, zone)
    day, text, _hour = _day_and_time(local, closing=closing)
    distance = (day - _today(zone)).days
    if distance == 0:
        phrase = text
    elif distance == 1:
        phrase = gettext("tomorrow at %(time)s", time=text)
    elif distance == -1:
        phrase = gettext("yesterday at %(time)s", time=text)
    else:
        phrase = _date_and_time(local)
    return _named(phrase, zone, rules_zone)


def closes(instant: datetime | None, rules_zone: str | None = None) -> str:
    """When a window closes, for a sentence ("open until midnight", "until 4:00 PM (Los Angeles
    time)")."""
    return soon(instant, rules_zone, closing=True)


def _on_rules_day(text: str, local_day: date, rules_day: date, hour: int) -> str:
    """``text`` (a time, or two) said of ``local_day`` where the challenge's date is ``rules_day``."""
    distance = (local_day - rules_day).days
    if distance == 0:
        return text
    if distance == -1:
        if hour >= EVENING:
            return gettext("%(time)s the evening before", time=text)
        return gettext("%(time)s the day before", time=text)
    if distance == 1:
        if hour < NOON:
            return gettext("%(time)s the next morning", time=text)
        return gettext("%(time)s the next day", time=text)
    weekday = babel_dates.format_skeleton("MMMEd", local_day, locale=format_locale())
    return gettext("%(time)s on %(date)s", time=text, date=weekday)


def window_span(opens: datetime, closes_at: datetime, rules_zone: str, rules_day: date) -> str:
    """A window of the challenge's date ``rules_day`` in the reader's zone: ``05:00–07:00``, or
    from Berlin ``22:00–midnight the evening before (Berlin time)``, or from New York
    ``4:00 PM the day before to 6:00 AM (New York time)``."""
    zone = reader_zone(rules_zone)
    open_day, open_text, open_hour = _day_and_time(_local(opens, zone), closing=False)
    close_day, close_text, close_hour = _day_and_time(_local(closes_at, zone), closing=True)
    if open_day == close_day:
        both = gettext("%(open)s–%(close)s", open=open_text, close=close_text)
        text = _on_rules_day(both, open_day, rules_day, open_hour)
    else:
        text = gettext(
            "%(open)s to %(close)s",
            open=_on_rules_day(open_text, open_day, rules_day, open_hour),
            close=_on_rules_day(close_text, close_day, rules_day, close_hour),
        )
    return _named(text, zone, rules_zone)


def window_of_day(challenge, day_index: int) -> str:
    """Day ``day_index``'s window of ``challenge`` as the reader reads it (``window_span``)."""
    schedule = challenge.schedule()
    opens, closes_at = day_window(schedule, day_index)
    return window_span(opens, closes_at, challenge.timezone, day_date(schedule, day_index))


def window_closes(challenge, instant: datetime | None) -> str:
    """Older name of ``closes`` for a challenge's window."""
    return closes(instant, challenge.timezone)


def template_helpers() -> dict:
    return {
        "when": when,
        "soon": soon,
        "closes": closes,
        "clock": soon,  # older name
        "window_closes": window_closes,
        "window_of_day": window_of_day,
        "zone_label": zone_label,
        "zone_differs": zone_differs,
    }
