"""How a deposit is cut into daily stakes.

SPEC, "Deposit and daily stakes":

    Deposit D (minor units, currency ISO 4217, one currency per challenge), with D >= N.
    Day k's stake: ``s_k = D // N`` for k < N-1, and ``s_(N-1) = D - (N-1) * (D // N)``.
    The stakes sum to D.

Because D >= N, every stake is at least 1 minor unit; the last day carries the remainder.
"""

from __future__ import annotations


def daily_stakes(deposit_minor: int, days: int) -> list[int]:
    """All N stakes, day 0 first. Raises ValueError unless days >= 1 and deposit_minor >= days."""
    _check(deposit_minor, days)
    base = deposit_minor // days
    return [base] * (days - 1) + [deposit_minor - (days - 1) * base]


def stake_for_day(deposit_minor: int, days: int, k: int) -> int:
    """Day k's stake s_k, without building the whole list."""
    _check(deposit_minor, days)
    if not 0 <= k < days:
        raise ValueError(f"day {k} is outside 0 ... {days - 1}")
    base = deposit_minor // days
    return base if k < days - 1 else deposit_minor - (days - 1) * base


def _check(deposit_minor: int, days: int) -> None:
    if days < 1:
        raise ValueError(f"a challenge has at least 1 day, got {days}")
    if deposit_minor < days:
        # A stake of 0 would make a miss free; SPEC requires D >= N.
        raise ValueError(
            f"the deposit ({deposit_minor} minor units) must be at least the number of days ({days})"
        )
