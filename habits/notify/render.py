"""A notification in words: its kind's title and body (``notifications.kinds.KINDS``), in its
reader's language, with its params shaped for that reader (money in their locale, instants in
their zone, "Day k+1").

It runs wherever a notification is read: the API's list, the push relay, the digest mail; in or
out of a request (a job), under ``flask_babel.force_locale`` like mail (``habits.mail.compose``).
Money and instants are formatted with Babel directly, for an explicit locale and zone: the
page helpers (habits/web/i18n.py) read them from the request instead. Money follows the same rule
as the pages: the processor's exponent (``habits.domain.currencies``), never CLDR's digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel import dates as babel_dates
from babel.numbers import format_currency, get_currency_precision
from flask_babel import force_locale, gettext

from habits.domain import currencies
from habits.services.notifications.kinds import BADGE_NAMES, KINDS
from habits.services.notifications.params import parse_instant

SUPPORTED = ("en", "zh_Hans")


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def reader_locale(locale: str | None) -> str:
    """One of the site's locales for a member's stored language tag."""
    tag = (locale or "").replace("-", "_").lower()
    return "zh_Hans" if tag == "zh" or tag.startswith("zh_") else "en"


def reader_zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@lru_cache(maxsize=64)
def _currency_pattern(locale: str, exponent: int) -> str:
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    return re.sub(r"\.0+", "." + "0" * exponent if exponent else "", pattern)


def money(amount_minor: int, currency: str, locale: str) -> str:
    """Minor units in ``currency`` as the reader's locale writes money (``7000, "CNY"`` ->
    ``CN¥70.00`` in English, ``¥70.00`` in Chinese)."""
    known = currencies.lookup(currency)
    exponent = known.exponent if known is not None else get_currency_precision(currency)
    value = Decimal(int(amount_minor)).scaleb(-exponent)
    pattern = _currency_pattern(locale, exponent)
    return format_currency(value, currency, format=pattern, locale=locale, currency_digits=False)


def date_and_time(instant: datetime, zone: ZoneInfo, locale: str) -> str:
    """``Mar 8, 2026, 7:00 AM`` / ``2026年3月8日 07:00`` in ``zone``."""
    joined = babel_dates.get_datetime_format("medium", locale=locale).replace("'", "")
    return joined.format(
        babel_dates.format_time(instant, "short", tzinfo=zone, locale=locale),
        babel_dates.format_date(instant.astimezone(zone).date(), "medium", locale=locale),
    )


def clock(instant: datetime, zone: ZoneInfo, locale: str) -> str:
    return babel_dates.format_time(instant, "short", tzinfo=zone, locale=locale)


def words(params: dict, *, locale: str, zone: ZoneInfo) -> dict[str, str]:
    """The params as the text's placeholders take them (the rules are in ``kinds``' docstring)."""
    values: dict[str, str] = {}
    currency = params.get("currency")
    for name, item in params.items():
        if name == "day_index" and isinstance(item, int):
            values["day"] = str(item + 1)
        elif name.endswith("_minor") and isinstance(item, int) and currency:
            values[name.removesuffix("_minor")] = money(item, currency, locale)
        elif name.endswith("_at") and isinstance(item, str):
            values[name.removesuffix("_at")] = date_and_time(parse_instant(item), zone, locale)
        elif name.endswith("_time") and isinstance(item, str):
            values[name] = clock(parse_instant(item), zone, locale)
        elif name == "badges" and isinstance(item, str):
            values[name] = _badge_names(item, locale)
        else:
            values[name] = "" if item is None else str(item)
    return values


def _badge_names(values: str, locale: str) -> str:
    """Comma-separated badge values as their names, in the table's order, in ``locale``."""
    given = set(values.split(","))
    with force_locale(locale):
        names = [gettext(name) for value, name in BADGE_NAMES.items() if value in given]
        return gettext(", ").join(names)


class _Missing(dict):
    """A placeholder without its param shows as empty rather than failing the whole list."""

    def __missing__(self, key):
        return ""


def render(kind: str, params: dict | None, *, locale: str | None, timezone: str | None) -> Rendered:
    """The title and body of a ``kind`` notification for a reader of ``locale`` in ``timezone``."""
    spec = KINDS.get(kind)
    if spec is None:  # a kind written by a newer version, read by an older one
        return Rendered(title=kind, body="")
    chosen = reader_locale(locale)
    values = _Missing(words(params or {}, locale=chosen, zone=reader_zone(timezone)))
    with force_locale(chosen):
        body = gettext(spec.body) % values
        if values.get("badges") and "%(badges)s" not in spec.title + spec.body:
            # a notice of the day carries the day's badges (habits.services.settlement.notices)
            body += " " + gettext("New badges: %(badges)s.") % values
        return Rendered(title=gettext(spec.title) % values, body=body)


def render_for(notification, member) -> Rendered:
    """A stored notification for the member it was written for."""
    return render(notification.kind, notification.params, locale=member.locale, timezone=member.timezone)
