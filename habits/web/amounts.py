"""Amounts typed by people: the one reader every page's form asks.

``read_amount("70.50", "CNY", locale="en")`` -> ``7050`` minor units, or an ``AmountRefused``
that says why, with a translated message that shows how the text was read. In order:

1. The text's length is bounded (``MAX_CHARS``) before anything else looks at it, and only
   digits and the locale's group and decimal signs may remain once a currency sign or code
   around it is set aside. So no exponent (``1e600000``), sign, ``NaN`` or ``Infinity`` ever
   reaches a conversion: nothing here builds a Decimal larger than ``MAX_DIGITS`` digits.
2. Babel's strict parsing, in the locale the page shows amounts in (``i18n.format_locale``: the
   reader's language and region, so ``70,50`` is 70.50 for an English reader in Germany, who
   reads ``70,50 €``): ``1,0`` or ``70,50`` on a page that writes ``70.50`` are ambiguous
   (thousands or decimals?) and refused with both readings, never taken as 10 or 7,050.
3. No more decimals than the currency has (Stripe's exponent, ``habits.domain.currencies``).

Whether the amount is in range (positive, at most what the API takes) is the form's to say.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from babel.numbers import (
    NumberFormatError,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from flask_babel import gettext

from habits.domain import currencies
from habits.domain.currencies import Currency
from habits.web.i18n import SUPPORTED, format_locale, money

#: longer text is refused unread (a generous amount with signs and separators fits in 32)
MAX_CHARS = 32
#: digits left after the signs are set aside: ten billion billion minor units, whatever the exponent
MAX_DIGITS = 20
DIGITS = frozenset("0123456789")
#: a leading minus (ASCII, or the typographic one NFKC keeps): the amount is said to be negative
MINUS_SIGNS = frozenset("-\u2212")
#: a percentage: up to three whole digits and two decimals
PERCENT = re.compile(r"(\d{0,3})(?:\.(\d{0,2}))?", re.ASCII)


class AmountRefused(ValueError):
    """Why a typed amount cannot be taken: a stable ``code`` and its ``params``."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def read_amount(text: str | None, currency: Currency | str, *, locale: str | None = None) -> int:
    """Minor units of ``currency`` for ``text`` typed in major units on a page in ``locale``
    (default: the page's). Raises AmountRefused; never converts unbounded text."""
    if not isinstance(text, str):
        raise AmountRefused("empty")
    if len(text) > MAX_CHARS:
        raise AmountRefused("too_long", max=MAX_CHARS)
    currency = currency if isinstance(currency, Currency) else currencies.get(currency)
    locale = locale or str(format_locale())
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    # fullwidth digits and signs from a Chinese keyboard (７０．５０, ￥) become plain ones
    cleaned = _without_currency_marks(unicodedata.normalize("NFKC", text).strip(), currency, locale)
    if group.isspace():
        # a locale that groups with a no-break space (en_SE: 1 234,50): NFKC made every such
        # space a plain one, and people type plain ones
        cleaned = cleaned.replace(" ", group)
    if not cleaned:
        raise AmountRefused("empty")
    if cleaned[0] in MINUS_SIGNS and cleaned[1:] and set(cleaned[1:]) <= DIGITS | {group, decimal}:
        raise AmountRefused("negative")  # a plain amount with a minus: say so, not "not a number"
    if not set(cleaned) <= DIGITS | {group, decimal}:
        raise AmountRefused("not_a_number")
    if sum(char in DIGITS for char in cleaned) > MAX_DIGITS:
        raise AmountRefused("too_large")
    try:
        value = parse_decimal(cleaned, locale, strict=True)
    except NumberFormatError as exc:
        readings = _readings(cleaned, group, decimal)
        if getattr(exc, "suggestions", None) and readings:
            raise AmountRefused("ambiguous", text=cleaned, readings=readings) from None
        raise AmountRefused("not_a_number") from None
    decimals = len(cleaned.partition(decimal)[2])
    if decimals > currency.exponent:
        raise AmountRefused("too_many_decimals", exponent=currency.exponent)
    return int(value.scaleb(currency.exponent))


def _without_currency_marks(text: str, currency: Currency, locale: str) -> str:
    """``text`` without the currency's sign or code before or after it (``¥70``, ``CN¥70``,
    ``70 CNY``); another currency's sign stays, and the amount is then not a number."""
    marks = {currency.code, currency.symbol, get_currency_symbol(currency.code, locale)}
    marks |= {get_currency_symbol(currency.code, other) for other in SUPPORTED}
    marks = sorted({unicodedata.normalize("NFKC", mark) for mark in marks}, key=len, reverse=True)
    for mark in marks:
        if text.upper().startswith(mark.upper()):
            text = text[len(mark) :].strip()
            break
    for mark in marks:
        if text.upper().endswith(mark.upper()):
            text = text[: -len(mark)].strip()
            break
    return text


def _readings(text: str, group: str, decimal: str) -> list[Decimal]:
    """The amounts a mis-grouped text could mean: its separators as thousands, and (one
    separator, no decimal sign) as the decimal sign, the way a comma-decimal locale writes it."""
    readings = []
    whole, _, fraction = text.partition(decimal)
    digits = whole.replace(group, "")
    if digits and fraction.isdigit() or digits and not fraction:
        readings.append(Decimal(f"{digits}.{fraction}" if fraction else digits))
    if text.count(group) == 1 and decimal not in text:
        left, right = text.split(group)
        if left and right:
            readings.append(Decimal(f"{left}.{right}"))
    return list(dict.fromkeys(readings))


def read_percent_bps(text: str | None, *, locale: str | None = None) -> int | None:
    """Basis points for a percentage typed on a page (``2.5`` or ``2.5%`` -> 250), from 0 to
    100 % with at most two decimals; None otherwise. Matched digit by digit, never converted:
    ``Decimal("1e1000000") * 100`` overflowed (a 500 on the launch form)."""
    if not isinstance(text, str) or len(text) > MAX_CHARS:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip().removesuffix("%").strip()
    match = PERCENT.fullmatch(cleaned.replace(get_decimal_symbol(locale or str(format_locale())), "."))
    if match is None or not any(char in DIGITS for char in cleaned):
        return None
    bps = int(match[1] or "0") * 100 + int((match[2] or "").ljust(2, "0"))
    return bps if bps <= 10_000 else None


# -- what the pages say -----------------------------------------------------------------------


def example(currency: Currency) -> str:
    """A well-formed amount to show in messages, written as the page writes amounts: 70.50
    (70,50 for a reader in Germany), or 7000 without decimals."""
    if currency.exponent == 0:
        return "7000"
    return "70" + get_decimal_symbol(format_locale()) + "50"


def _reading(value: Decimal, currency: Currency) -> str:
    if -value.as_tuple().exponent <= currency.exponent:
        return money(int(value.scaleb(currency.exponent)), currency.code)
    return str(value)


def refusal_message(refusal: AmountRefused, currency: Currency | str) -> str:
    """What the page says about a refused amount, in the member's language."""
    currency = currency if isinstance(currency, Currency) else currencies.get(currency)
    code, params = refusal.code, refusal.params
    if code == "empty":
        return gettext(
            "Write an amount in %(currency)s, e.g. %(example)s.",
            currency=currency.code,
            example=example(currency),
        )
    if code == "too_long":
        return gettext(
            "That is too long for an amount (at most %(max)s characters): write it like %(example)s.",
            max=params["max"],
            example=example(currency),
        )
    if code == "negative":
        return gettext(
            "An amount cannot be negative: write it without the minus sign, e.g. %(example)s.",
            example=example(currency),
        )
    if code == "too_large":
        return gettext("That amount is far too large.")
    if code == "ambiguous":
        readings = gettext(" or ").join(_reading(value, currency) for value in params["readings"])
        locale = format_locale()
        decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
        if (decimal, group) != (".", ","):
            return gettext(
                "“%(text)s” could be read as %(readings)s. Write it with “%(decimal)s” before any "
                "decimals and “%(group)s” only between thousands, e.g. %(example)s.",
                text=params["text"],
                readings=readings,
                decimal=decimal,
                group=group,
                example=example(currency),
            )
        return gettext(
            "“%(text)s” could be read as %(readings)s. Write it with a point before any decimals and "
            "commas only between thousands, e.g. %(example)s.",
            text=params["text"],
            readings=readings,
            example=example(currency),
        )
    if code == "too_many_decimals":
        if currency.exponent == 0:
            return gettext("%(currency)s amounts are whole numbers: no decimals.", currency=currency.code)
        return gettext(
            "%(currency)s amounts have at most %(digits)s decimals.",
            currency=currency.code,
            digits=currency.exponent,
        )
    return gettext(
        "Write the amount in %(currency)s with digits only, e.g. %(example)s.",
        currency=currency.code,
        example=example(currency),
    )
