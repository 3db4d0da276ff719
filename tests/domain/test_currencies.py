"""The currency table: exact codes, and Stripe's exponents where CLDR's differ (issue 13)."""

from __future__ import annotations

import pytest
from babel.numbers import get_currency_precision

from habits.domain import currencies
from habits.domain.currencies import CODES, CURRENCIES, TABLE

#: docs.stripe.com/currencies#zero-decimal (those the table offers)
STRIPE_ZERO_DECIMAL = {"JPY", "KRW", "VND", "CLP", "PYG", "UGX", "XAF", "XOF"}
#: Stripe charges these in hundredths; CLDR (Babel) says they have no decimals
STRIPE_TWO_WHERE_CLDR_HAS_NONE = {"IDR", "HUF", "COP"}


def test_every_code_is_three_upper_case_letters_once():
    assert all(len(c.code) == 3 and c.code.isascii() and c.code.isupper() for c in TABLE)
    assert len(CODES) == len(set(CODES)) == len(TABLE)
    assert all(c.symbol and c.symbol == c.symbol.strip() for c in TABLE)


def test_the_pages_offered_currencies_and_the_common_ones_are_there():
    offered_before = {"CNY", "USD", "EUR", "JPY", "GBP", "HKD", "SGD", "AUD", "CAD"}
    common = {"CHF", "KRW", "TWD", "INR", "IDR", "HUF", "NZD", "THB", "MYR", "PHP", "VND"}
    assert offered_before | common <= set(CODES)
    assert CODES[0] == "CNY"  # the menu's default comes first


def test_exponents_are_stripes_not_cldrs():
    for code in STRIPE_ZERO_DECIMAL:
        assert CURRENCIES[code].exponent == 0, code
    for code in STRIPE_TWO_WHERE_CLDR_HAS_NONE:
        assert CURRENCIES[code].exponent == 2 and get_currency_precision(code) == 0, code
    others = set(CODES) - STRIPE_ZERO_DECIMAL
    assert {CURRENCIES[code].exponent for code in others} == {2}


def test_currencies_stripe_charges_only_in_steps_are_not_offered():
    # three-decimal currencies (refunds in tens of minor units) and ISK (decimals always 00)
    assert not {"BHD", "JOD", "KWD", "OMR", "TND", "ISK"} & set(CODES)


@pytest.mark.parametrize(
    "code", ["USD\n", "usd", "usd ", " USD", "USD\t", "ZZZ", "", "US", None, 840, b"USD"]
)
def test_only_an_exact_code_is_a_currency(code):
    assert currencies.lookup(code) is None and not currencies.is_currency(code)
    with pytest.raises(ValueError):
        currencies.get(code)


def test_a_code_finds_its_currency():
    assert currencies.get("JPY") == currencies.Currency("JPY", 0, "¥")
    assert currencies.lookup("USD").exponent == 2 and currencies.is_currency("HUF")
