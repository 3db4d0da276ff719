"""Language, region and money on the pages (instants: ``habits.web.instants``).

- Language (the translations): the signed-in member's ``locale``, else the visitor's choice
  (the language switch), else the browser's Accept-Language, else English. Any Chinese variant
  gets Simplified Chinese.
- Region (how dates and numbers are written): the signed-in member's ``region``, else the
  browser's (the region of its Accept-Language), else none. ``format_locale`` joins the two:
  English read in Germany is ``en_DE`` (``8 Dec 2026``, ``1.234,50 €``), the pages still in
  English. Dates, times, numbers and money are all written in it, and amounts typed by people
  are read in it (``habits.web.amounts``), so a field is read the way its value was shown.
- Money: minor units shown in the challenge's currency with the exponent the processor charges
  in (``habits.domain.currencies``: CNY and USD have 2 decimals, JPY none, and IDR and HUF 2,
  whatever CLDR says), in the locale's pattern and sign (Babel). Never a float.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel.numbers import format_currency, format_decimal, get_currency_precision
from flask import has_request_context, request, session
from flask_babel import get_locale, gettext, lazy_gettext, ngettext, pgettext
from flask_login import current_user

from habits.domain import currencies
from habits.domain.calendar import format_hhmm
from habits.services.regions import normalize_region

SUPPORTED = ("en", "zh_Hans")
#: shown in the language switch, each in its own language
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文"}
#: the value of <html lang> for each supported locale (BCP 47)
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans"}
SESSION_KEY = "locale"

LOGIN_NEEDED = lazy_gettext("Please log in to see this page.")


# -- choosing the locale and the zone ---------------------------------------------------------


def normalize_locale(code: str | None) -> str | None:
    """Our locale for a language tag (``zh-CN``, ``zh_Hans``, ``en-GB``...), or None."""
    if not code:
        return None
    tag = code.replace("-", "_").lower()
    if tag == "zh" or tag.startswith("zh_"):
        return "zh_Hans"
    if tag == "en" or tag.startswith("en_"):
        return "en"
    return None


def select_locale() -> str:
    if current_user and current_user.is_authenticated:
        chosen = normalize_locale(current_user.locale)
        if chosen:
            return chosen
    chosen = normalize_locale(session.get(SESSION_KEY))
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        chosen = normalize_locale(tag)
        if chosen:
            return chosen
    return "en"


def select_timezone() -> str | None:
    if current_user and current_user.is_authenticated and valid_zone(current_user.timezone):
        return current_user.timezone
    return None


def valid_zone(name: str | None) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def current_locale() -> str:
    """The language of the page (its translations): ``en`` or ``zh_Hans``."""
    locale = get_locale()
    return str(locale) if locale is not None else "en"


def select_region() -> str | None:
    """The reader's region: the member's setting, else the browser's, else None."""
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated:
        chosen = normalize_region(getattr(current_user, "region", None))
        if chosen:
            return chosen
    return browser_region(current_locale())


def browser_region(language: str) -> str | None:
    """The region of the browser's Accept-Language: from a tag of the page's language first
    (``en-GB`` for an English page), else from the first tag that names one (``de-DE``: an
    English reader in Germany)."""
    if not has_request_context():
        return None
    tags = [tag for tag, _quality in request.accept_languages]
    ours = [tag for tag in tags if normalize_locale(tag) == language]
    for tag in ours + tags:
        region = region_of_tag(tag)
        if region:
            return region
    return None


def region_of_tag(tag: str) -> str | None:
    """``en-GB`` -> ``GB``, ``zh-Hans-CN`` -> ``CN``; None for ``en`` or ``es-419``."""
    for part in tag.replace("_", "-").split("-")[1:]:
        region = normalize_region(part) if len(part) == 2 else None
        if region:
            return region
    return None


@lru_cache(maxsize=256)
def regional_locale(language: str, region: str | None) -> Locale:
    """The CLDR locale that writes dates and numbers for ``language`` read in ``region``:
    ``en`` + ``GB`` -> ``en_GB``; a region CLDR has no English for -> ``en_001`` (international
    English, day before month), except the United States' own ``en``; Chinese outside the
    regions CLDR knows -> ``zh_Hans``."""
    base = Locale.parse(language)
    if not region:
        return base
    try:
        return Locale.parse(f"{language}_{region}")
    except (UnknownLocaleError, ValueError):
        pass
    if base.language == "en" and region != "US":
        return Locale.parse("en_001")
    return base


def format_locale() -> Locale:
    """The locale dates, times, numbers and money are written (and typed amounts read) in."""
    return regional_locale(current_locale(), select_region())


def member_zone() -> ZoneInfo:
    name = select_timezone()
    return ZoneInfo(name) if name else ZoneInfo("UTC")


# -- formatting -------------------------------------------------------------------------------


def exponent_of(currency: str) -> int:
    """The processor's exponent of ``currency`` (the table's). A code outside the table can only
    be a row stored before the table was checked: it is shown as Babel would, never refused."""
    known = currencies.lookup(currency)
    return known.exponent if known is not None else get_currency_precision(currency)


def minor_to_decimal(amount_minor: int, currency: str) -> Decimal:
    return Decimal(int(amount_minor)).scaleb(-exponent_of(currency))


@lru_cache(maxsize=64)
def _currency_pattern(locale: str, exponent: int) -> str:
    """The locale's currency pattern with exactly ``exponent`` decimals (``¤#,##0.00`` ->
    ``¤#,##0`` for 0): Babel would use CLDR's digits, not the processor's."""
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    return re.sub(r"\.0+", "." + "0" * exponent if exponent else "", pattern)


def money(amount_minor: int | None, currency: str) -> str:
    """``7000, "CNY"`` -> ``¥70.00`` (zh) / ``CN¥70.00`` (en); ``500, "JPY"`` -> ``¥500``;
    ``150000, "HUF"`` -> ``HUF1,500.00`` (Stripe's hundredths, where CLDR has none)."""
    if amount_minor is None:
        return ""
    locale = format_locale()
    pattern = _currency_pattern(str(locale), exponent_of(currency))
    value = minor_to_decimal(amount_minor, currency)
    return format_currency(value, currency, format=pattern, locale=locale, currency_digits=False)


def money_input(amount_minor: int, currency: str) -> str:
    """Minor units as a plain amount for an input's value, written as the page's amounts are
    (``7000`` CNY -> ``70.00``; ``70,00`` for a reader in Germany), so it reads back the same."""
    exponent = exponent_of(currency)
    pattern = "0." + "0" * exponent if exponent else "0"
    return format_decimal(minor_to_decimal(amount_minor, currency), pattern, locale=format_locale())


def number(value) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=format_locale())


def percent_of_bps(bps: int) -> str:
    return format_decimal(Decimal(bps) / 100, locale=format_locale()) + "%"


def day_label(day: date | None, fmt: str = "medium") -> str:
    """A local date (a challenge's start, day k's date) in the reader's format: CLDR's medium
    date (``8 Dec 2026``, ``Dec 8, 2026``, ``2026年12月8日``). ``fmt`` is kept for old callers and
    ignored: one format on every screen."""
    if day is None:
        return ""
    return babel_dates.format_date(day, "medium", locale=format_locale())


def days_count(n: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", n)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th ... 11th, 12th, 13th ... 21st, 22nd (English picks the suffix; each
    suffix is its own message, so a language without them translates all four alike: 第 n 个)."""
    if n % 100 in (11, 12, 13) or n % 10 not in (1, 2, 3):
        return pgettext("ordinal number", "%(num)dth", num=n)
    if n % 10 == 1:
        return pgettext("ordinal number", "%(num)dst", num=n)
    if n % 10 == 2:
        return pgettext("ordinal number", "%(num)dnd", num=n)
    return pgettext("ordinal number", "%(num)drd", num=n)


# -- words the services answer in -------------------------------------------------------------

ENROLLMENT_STATUS = {
    "pending_payment": lazy_gettext("waiting for the deposit"),
    "active": lazy_gettext("active"),
    "eliminated": lazy_gettext("eliminated"),
    "completed": lazy_gettext("completed"),
    "withdrawn": lazy_gettext("withdrawn"),
    "cancelled": lazy_gettext("cancelled"),
    "suspended": lazy_gettext("suspended (card dispute)"),
}
CHALLENGE_STATUS = {
    "enrolling": lazy_gettext("open for joining"),
    "running": lazy_gettext("running"),
    "completed": lazy_gettext("finished"),
    "cancelled": lazy_gettext("cancelled"),
}
THEMES = {
    "early-rise": lazy_gettext("Early rise"),
    "running": lazy_gettext("Running"),
    "reading": lazy_gettext("Reading"),
    "custom": lazy_gettext("Custom"),
}
ROLES = {
    "organizer": lazy_gettext("organizer"),
    "co-organizer": lazy_gettext("co-organizer"),
    "core-member": lazy_gettext("core member"),
    "member": lazy_gettext("member"),
}
#: a statement line's or receipt's kind
LINE_KINDS = {
    "returned": lazy_gettext("stake back"),
    "rest_day": lazy_gettext("rest day: stake back"),
    "excused": lazy_gettext("excused day: stake back"),
    "missed": lazy_gettext("missed: stake to the pot"),
    "eliminated": lazy_gettext("eliminated: rest of deposit to the pot"),
    "withdrawn": lazy_gettext("quit: rest of deposit to the pot"),
    "leftover": lazy_gettext("rest of deposit back"),
    "won": lazy_gettext("share of the pot"),
    "final_share": lazy_gettext("share of the last pot"),
}
SPLITS = {
    "equal": lazy_gettext("equal shares (the earliest risers get any leftover cent)"),
    "random": lazy_gettext("random shares (lucky draw), reproducible from the published seed"),
}
SQUAD_STRATEGIES = {
    "placement": lazy_gettext("Placed by answers"),
    "match": lazy_gettext("Matched again by answers"),
    "shuffle": lazy_gettext("Shuffled"),
    "activity": lazy_gettext("Regrouped by activity"),
    "split": lazy_gettext("Split"),
    "merge": lazy_gettext("Merged"),
}
REFUND_STATUS = {
    "requested": lazy_gettext("requested"),
    "pending": lazy_gettext("on its way"),
    "succeeded": lazy_gettext("refunded"),
    "failed": lazy_gettext("failed: back in your wallet"),
}


def label(table: dict, value) -> str:
    key = getattr(value, "value", value)
    return str(table.get(key, key))


#: an active enrollment whose challenge has not started: "进行中" (running) would be wrong
ACTIVE_BEFORE_START = lazy_gettext("joined, waiting for the start")


def enrollment_status_label(status, challenge_status=None) -> str:
    """The enrollment's status in words; given its challenge's status, right before the start too."""
    before_start = getattr(challenge_status, "value", challenge_status) == "enrolling"
    if getattr(status, "value", status) == "active" and before_start:
        return str(ACTIVE_BEFORE_START)
    return label(ENROLLMENT_STATUS, status)


def kept_explanation(kept_minor: int, currency: str) -> str:
    return gettext(
        "%(amount)s stays in your wallet: a card refund can only return what you paid by card and "
        "has not been refunded yet (winnings, and deposits already refunded or under dispute, cannot "
        "go back to a card). You can use it for future deposits.",
        amount=money(kept_minor, currency),
    )


# -- for the templates ------------------------------------------------------------------------


def template_helpers() -> dict:
    locale = current_locale()
    return {
        "current_locale": locale,
        "html_lang": HTML_LANG.get(locale, "en"),
        "languages": LANGUAGE_NAMES,
        "money": money,
        "number": number,
        "day_label": day_label,
        "hhmm": format_hhmm,  # a window bound: 1440 is 24:00 (the domain writes it)
        "days_count": days_count,
        "ordinal": ordinal,
        "percent_of_bps": percent_of_bps,
        "enrollment_status": enrollment_status_label,
        "challenge_status": lambda value: label(CHALLENGE_STATUS, value),
        "theme_label": lambda value: label(THEMES, value),
        "role_label": lambda value: label(ROLES, value),
        "line_kind": lambda value: label(LINE_KINDS, value),
        "split_label": lambda value: label(SPLITS, value),
        "refund_status": lambda value: label(REFUND_STATUS, value),
        "squad_strategy": lambda value: label(SQUAD_STRATEGIES, value),
    }
