"""Daily stakes: a deposit cut into N whole-unit pieces that sum back to it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habits.domain.stakes import daily_stakes, stake_for_day


@pytest.mark.parametrize(
    ("deposit_minor", "days", "stakes"),
    [
        (1000, 10, [100] * 10),
        (1000, 3, [333, 333, 334]),
        (1000, 7, [142] * 6 + [148]),
        (5, 5, [1, 1, 1, 1, 1]),
        (9, 5, [1, 1, 1, 1, 5]),
        (7, 1, [7]),
    ],
)
def test_daily_stakes_follow_the_spec_formula(deposit_minor: int, days: int, stakes: list[int]) -> None:
    assert daily_stakes(deposit_minor, days) == stakes
    assert [stake_for_day(deposit_minor, days, k) for k in range(days)] == stakes


@settings(max_examples=200)
@given(st.integers(1, 366).flatmap(lambda n: st.tuples(st.integers(n, 10**12), st.just(n))))
def test_stakes_sum_to_the_deposit_and_none_is_zero(case: tuple[int, int]) -> None:
    deposit_minor, days = case
    stakes = daily_stakes(deposit_minor, days)
    assert len(stakes) == days
    assert sum(stakes) == deposit_minor
    assert all(s >= 1 for s in stakes)
    # Every day but the last stakes the same; the last carries the remainder (< N more).
    assert len(set(stakes[:-1])) <= 1
    assert 0 <= stakes[-1] - stakes[0] < days
    assert stake_for_day(deposit_minor, days, days - 1) == stakes[-1]
    assert stake_for_day(deposit_minor, days, 0) == stakes[0]


@pytest.mark.parametrize(("deposit_minor", "days"), [(4, 5), (0, 1), (100, 0), (100, -1)])
def test_daily_stakes_refuse_a_deposit_smaller_than_the_days(deposit_minor: int, days: int) -> None:
    with pytest.raises(ValueError):
        daily_stakes(deposit_minor, days)
    with pytest.raises(ValueError):
        stake_for_day(deposit_minor, days, 0)


@pytest.mark.parametrize("k", [-1, 3])
def test_stake_for_day_refuses_days_outside_the_challenge(k: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        stake_for_day(300, 3, k)
