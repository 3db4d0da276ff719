"""URL converters for the whole app (API and pages): numbers in paths are bounded by routing.

Werkzeug's ``<int:...>`` takes any number of digits; 2**63 reached the database as an overflow
(a 500). Here the converter's regular expression itself only matches numbers within bounds:
anything else matches no route and is a 404, like a row that does not exist. (A bound checked
only in ``to_python`` would answer 405 where another method shares the path.)
"""

from __future__ import annotations

from werkzeug.routing import BaseConverter, IntegerConverter

from habits.domain.calendar import MAX_DAYS

#: the largest value of a BIGINT primary key
MAX_ROW_ID = 2**63 - 1


def decimal_pattern(low: int, high: int) -> str:
    """A regular expression matching exactly the decimal numbers low..high (low 0 or 1), written
    without leading zeros."""
    assert low in (0, 1) and high >= max(low, 1)
    digits = str(high)
    width = len(digits)
    options = ["0"] if low == 0 else []
    if width > 1:
        options.append(rf"[1-9][0-9]{{0,{width - 2}}}")  # every shorter number
    for i, digit in enumerate(digits):  # as many digits as high, smaller at position i
        smallest = 1 if i == 0 else 0
        if int(digit) > smallest:
            rest = f"[0-9]{{{width - i - 1}}}" if i < width - 1 else ""
            options.append(f"{digits[:i]}[{smallest}-{int(digit) - 1}]{rest}")
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class BoundedIntConverter(IntegerConverter):
    low = 1
    high = MAX_ROW_ID

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=self.low, max=self.high)
        self.regex = decimal_pattern(self.low, self.high)


class IdConverter(BoundedIntConverter):
    """``<id:name>``: a row id, 1 ... 2**63-1."""


class DayIndexConverter(BoundedIntConverter):
    """``<day:name>``: a challenge day's index, 0 ... MAX_DAYS-1."""

    low = 0
    high = MAX_DAYS - 1


class ReferenceConverter(BaseConverter):
    """``<ref:name>``: a processor's id (``pi_...``): printable ASCII without ``/``, 1 to 200
    characters; never a NUL, which no database lookup takes."""

    regex = r"[!-.0-~]{1,200}"
    #: the same rule for the OpenAPI document
    PARAMETER_SCHEMA = {"type": "string", "pattern": "^[!-.0-~]{1,200}$", "minLength": 1, "maxLength": 200}


CONVERTERS = {"id": IdConverter, "day": DayIndexConverter, "ref": ReferenceConverter}


def register_converters(app) -> None:
    """Before any blueprint is registered: its rules are compiled with these."""
    app.url_map.converters.update(CONVERTERS)
