"""Regions a member may choose for how dates and numbers are written (``members.region``).

A region is an ISO 3166 alpha-2 code CLDR knows as a territory (``GB``, ``DE``, ``CN``...): with
the member's language it picks the formats (``en`` + ``GB`` writes ``8 Dec 2026``). None means
"the browser's", read from Accept-Language on each request. Groupings and pseudo-regions of
CLDR (``EU``, ``UN``, ``ZZ``...) are not places anybody lives, so they are not offered.
"""

from __future__ import annotations

import functools

from babel import Locale

#: CLDR's two-letter codes that are not a country or territory of their own
NOT_PLACES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})
MAX_LENGTH = 2


@functools.cache
def regions() -> frozenset[str]:
    """Every region that may be chosen."""
    names = Locale.parse("en").territories
    return frozenset(code for code in names if len(code) == 2 and code.isalpha() and code not in NOT_PLACES)


def normalize_region(text: object) -> str | None:
    """The region ``text`` names (``"gb"`` -> ``"GB"``), or None when it names none."""
    if not isinstance(text, str) or len(text.strip()) != MAX_LENGTH:
        return None
    code = text.strip().upper()
    return code if code in regions() else None
