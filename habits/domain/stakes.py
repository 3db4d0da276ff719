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


def held_before_day(deposit_minor: int, days: int) -> list[int]:
    """What an active enrollment's held deposit holds while day k is not settled yet, for each k.

    Settling a day moves exactly that day's stake out of the held deposit, whatever happened
    (back on a success, a rest or an excused day, to the pot on a miss), so before day k it holds
    the stakes of days k ... N-1. That is what quitting costs then (SPEC: a member who quits after
    day 0 opened is treated as eliminated at the next day settled: the rest of the held deposit
    goes to the pot). A quit before day 0's window opens costs nothing.
    """
    stakes = daily_stakes(deposit_minor, days)
    held, left = [], deposit_minor
    for stake in stakes:
        held.append(left)
        left -= stake
    return held


def _check(deposit_minor: int, days: int) -> None:
    if days < 1:
        raise ValueError(f"a challenge has at least 1 day, got {days}")
    if deposit_minor < days:
        # A stake of 0 would make a miss free; SPEC requires D >= N.
        raise ValueError(
            f"the deposit ({deposit_minor} minor units) must be at least the number of days ({days})"
        )
