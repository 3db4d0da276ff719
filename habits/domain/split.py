"""The platform fee and how the rest of a day's pot is split among its winners.

SPEC, "Settling day k":

    Otherwise the fee ``F = P * fee_bps // 10000`` goes to the platform's fee revenue, and
    ``R = P - F`` is split:

    - ``equal`` (default): each winner gets ``R // |W|``; the remainder ``R % |W|`` goes one
      unit each to the first winners in order of check-in instant, then enrollment id (the
      earliest riser gets the extra cent).
    - ``random`` (the "lucky draw" some services use): a random split that is reproducible.
      The settlement records a seed; anyone holding the seed and the winner list can
      recompute every amount. The amounts are integers, each >= 1 where R >= |W|, and they
      sum to R exactly.

Callers pass the count of winners already in SPEC order (:data:`WINNER_ORDER`: check-in instant,
then enrollment id); the i-th amount returned belongs to the i-th winner. The random split is
defined in docs/settlement.md, "The random split, step by step"; this code and that text must
agree. It uses SHA-256 rather than the ``random`` module, whose algorithms are not a published spec.

This module is the rule. Settlement moves the money with set-based SQL, whose expressions are
built from it in ``habits/domain_sql/split.py`` (the domain stays free of SQLAlchemy);
tests/domain/test_split_sql.py holds the two equal over random inputs.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from operator import attrgetter
from typing import TypeVar

BPS_PER_WHOLE = 10_000

#: SPEC order of a day's winners, by these fields of each winner: the earliest riser first, and
#: the enrollment id breaks ties (it gets the extra cent of an equal split)
WINNER_ORDER = ("checked_in_at", "enrollment_id")
#: the order of the finishers sharing the last pot (SPEC: remainder units by enrollment id)
FINISHER_ORDER = ("enrollment_id",)

T = TypeVar("T")


def fee_for(pot_minor: int, fee_bps: int) -> int:
    """The platform fee on a pot: ``pot_minor * fee_bps // 10000`` (rounded down)."""
    if pot_minor < 0:
        raise ValueError(f"pot cannot be negative, got {pot_minor}")
    if not 0 <= fee_bps <= BPS_PER_WHOLE:
        raise ValueError(f"fee_bps must be within 0 ... 10000, got {fee_bps}")
    return pot_minor * fee_bps // BPS_PER_WHOLE


def in_order(people: Iterable[T], order: tuple[str, ...] = WINNER_ORDER) -> list[T]:
    """``people`` (objects with the ``order`` fields as attributes) sorted in that order."""
    return sorted(people, key=attrgetter(*order))


def equal_parts(amount_minor: int, count: int) -> tuple[int, int]:
    """``(each, extra)``: everyone gets ``each``; the first ``extra`` in order get one unit more."""
    _check(amount_minor, count)
    return divmod(amount_minor, count)


def split_equal(amount_minor: int, count: int) -> list[int]:
    """``amount_minor // count`` each; the first ``amount_minor % count`` get one unit more."""
    each, extra = equal_parts(amount_minor, count)
    return [each + 1] * extra + [each] * (count - extra)


def random_weights(count: int, seed: str) -> list[int]:
    """Winner i's weight: the first 8 bytes of SHA-256 of ``f"{seed}:{i}"`` (UTF-8), big-endian, + 1."""
    # +1 so that no weight is 0 (a 1-in-2**64 chance, but then no one can say "it never happens").
    return [
        int.from_bytes(hashlib.sha256(f"{seed}:{i}".encode()).digest()[:8], "big") + 1 for i in range(count)
    ]


def split_random(amount_minor: int, count: int, seed: str) -> list[int]:
    """A reproducible lucky-draw split of ``amount_minor`` among ``count`` ordered winners.

    1. Each winner starts with 1 unit if ``amount_minor >= count``, else with 0.
    2. The rest is shared in proportion to :func:`random_weights`, rounded down.
    3. Units still left go one each to the largest rounding remainders, lower index first on ties.

    The result sums to ``amount_minor`` exactly and depends only on (amount, count, seed).
    """
    _check(amount_minor, count)
    if not isinstance(seed, str) or not seed:
        raise ValueError("a random split needs a non-empty seed")
    weights = random_weights(count, seed)
    total_weight = sum(weights)
    floor_each = 1 if amount_minor >= count else 0
    rest = amount_minor - floor_each * count
    amounts: list[int] = []
    remainders: list[int] = []
    for weight in weights:
        # Exact integer arithmetic: rest * weight / total_weight, quotient and remainder.
        units, remainder = divmod(rest * weight, total_weight)
        amounts.append(floor_each + units)
        remainders.append(remainder)
    leftover = amount_minor - sum(amounts)
    by_largest_remainder = sorted(range(count), key=lambda i: (-remainders[i], i))
    for i in by_largest_remainder[:leftover]:
        amounts[i] += 1
    return amounts


def least_share(amount_minor: int, count: int, *, random: bool) -> int:
    """The least one of ``count`` winners gets when ``amount_minor`` is split: all that either rule
    promises about a single share (pages say no more). Equal: ``amount // count``; random: 1 unit
    where ``amount >= count`` (step 1 of :func:`split_random`), else 0."""
    if random:
        _check(amount_minor, count)
        return 1 if amount_minor >= count else 0
    return equal_parts(amount_minor, count)[0]


def new_seed() -> str:
    """A fresh seed for a random split: 32 hex characters, to be stored with the settlement."""
    return secrets.token_hex(16)


def _check(amount_minor: int, count: int) -> None:
    if count < 1:
        raise ValueError(f"there must be at least one winner, got {count}")
    if amount_minor < 0:
        raise ValueError(f"the amount to split cannot be negative, got {amount_minor}")
