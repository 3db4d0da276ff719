"""The currencies Streakpot takes money in: one table, the processor's exponents.

Money is stored in minor units (SPEC: an integer count of the currency's smallest unit), so
the exponent that turns a typed ``70.50`` into ``7050`` must be the one the processor charges
in. Those are **Stripe's** exponents (docs.stripe.com/currencies), not CLDR's: CLDR says IDR,
HUF, ISK and COP have no decimals, but Stripe charges them in hundredths, so an amount scaled
by CLDR's exponent would be charged 100 times too small. Stripe's zero-decimal currencies
(JPY, KRW, VND...) have exponent 0.

Not here, on purpose: Stripe's three-decimal currencies (BHD, JOD, KWD, OMR, TND), charged and
refunded only in steps of ten minor units, and ISK, whose two decimals must always be 00.
Daily stakes, pot shares and withdrawals are computed to the minor unit, so a refund of such
a currency could be refused by the processor; they come in with rules that round to the step.

A currency is one of these codes, exactly: ``"USD\\n"``, ``"usd"`` and ``"ZZZ"`` are not.
The API's schemas, the pages' currency menus, the service's rule check, and parsing and
formatting on the pages all read this table; a currency Stripe adds is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Currency:
    #: ISO 4217, upper case
    code: str
    #: minor units per major unit = 10 ** exponent, as the processor charges
    exponent: int
    #: the sign people type and menus show (pages format amounts with the locale's own sign)
    symbol: str

    def major(self, amount_minor: int) -> Decimal:
        """``7050`` CNY as ``Decimal("70.50")``: exact, never a float."""
        return Decimal(int(amount_minor)).scaleb(-self.exponent)


#: the order of the pages' currency menu: the currencies Streakpot's groups use most first
TABLE: tuple[Currency, ...] = (
    Currency("CNY", 2, "¥"),
    Currency("USD", 2, "$"),
    Currency("EUR", 2, "€"),
    Currency("JPY", 0, "¥"),
    Currency("GBP", 2, "£"),
    Currency("HKD", 2, "HK$"),
    Currency("SGD", 2, "S$"),
    Currency("AUD", 2, "A$"),
    Currency("CAD", 2, "C$"),
    Currency("CHF", 2, "CHF"),
    Currency("KRW", 0, "₩"),
    Currency("TWD", 2, "NT$"),
    Currency("INR", 2, "₹"),
    Currency("IDR", 2, "Rp"),
    Currency("HUF", 2, "Ft"),
    Currency("MOP", 2, "MOP$"),
    Currency("MYR", 2, "RM"),
    Currency("THB", 2, "฿"),
    Currency("PHP", 2, "₱"),
    Currency("VND", 0, "₫"),
    Currency("NZD", 2, "NZ$"),
    Currency("SEK", 2, "kr"),
    Currency("NOK", 2, "kr"),
    Currency("DKK", 2, "kr"),
    Currency("PLN", 2, "zł"),
    Currency("CZK", 2, "Kč"),
    Currency("TRY", 2, "₺"),
    Currency("ILS", 2, "₪"),
    Currency("AED", 2, "AED"),
    Currency("SAR", 2, "SAR"),
    Currency("ZAR", 2, "R"),
    Currency("MXN", 2, "MX$"),
    Currency("BRL", 2, "R$"),
    Currency("COP", 2, "COL$"),
    Currency("CLP", 0, "CLP$"),
    Currency("PYG", 0, "₲"),
    Currency("UGX", 0, "USh"),
    Currency("XAF", 0, "FCFA"),
    Currency("XOF", 0, "CFA"),
)

CURRENCIES: dict[str, Currency] = {currency.code: currency for currency in TABLE}
#: the codes, in the menu's order (the API documents them as its enum)
CODES: tuple[str, ...] = tuple(CURRENCIES)


def lookup(code: object) -> Currency | None:
    """The currency ``code`` names exactly, or None (any other type, case or whitespace)."""
    return CURRENCIES.get(code) if type(code) is str else None


def is_currency(code: object) -> bool:
    return lookup(code) is not None


def get(code: str) -> Currency:
    """The currency of a stored amount; a code outside the table is a bug, not input."""
    currency = lookup(code)
    if currency is None:
        raise ValueError(f"{code!r} is not a currency in habits.domain.currencies")
    return currency
