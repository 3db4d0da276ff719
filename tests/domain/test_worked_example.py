"""The worked example and the quit costs the challenge page shows are the rule's own figures: the
least share is what every split of those numbers pays at least (and, for the equal split, what
some winner gets exactly), and what a quit costs is what the held deposit holds then."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habits.domain.split import fee_for, least_share, split_equal, split_random
from habits.domain.stakes import daily_stakes, held_before_day
from habits.domain.worked_example import MISSERS, PLAYERS, quit_costs, worked_day

amounts_and_counts = st.tuples(st.integers(0, 10**9), st.integers(1, 500))
seeds = st.text(min_size=1, max_size=40)


@settings(max_examples=300)
@given(amounts_and_counts, seeds)
def test_no_random_share_is_below_the_least_a_page_promises(case, seed) -> None:
    amount, count = case
    assert min(split_random(amount, count, seed)) >= least_share(amount, count, random=True)


@settings(max_examples=300)
@given(amounts_and_counts)
def test_the_least_equal_share_is_what_the_last_winner_gets(case) -> None:
    amount, count = case
    assert min(split_equal(amount, count)) == least_share(amount, count, random=False)


def test_the_lucky_draw_promises_one_unit_not_an_equal_share() -> None:
    """The page used to promise each winner of a lucky draw "at least" the equal share (50 of
    400 among 8); a real draw of the same numbers pays less than that to some."""
    draw = split_random(400, 8, "worked-example")
    assert least_share(400, 8, random=True) == 1 < min(draw) < 400 // 8
    assert least_share(7, 8, random=True) == 0


@pytest.mark.parametrize("random", [False, True])
@settings(max_examples=100)
@given(
    days=st.integers(1, 366),
    per_day=st.integers(1, 10**6),
    fee_bps=st.integers(0, 10_000),
    max_misses=st.integers(0, 3),
)
def test_the_worked_day_is_the_rules_own_arithmetic(random, days, per_day, fee_bps, max_misses) -> None:
    deposit = days * per_day + (days - 1)
    day = worked_day(deposit, days, fee_bps, max_misses, random=random)
    stakes = daily_stakes(deposit, days)
    assert day.pot == MISSERS * stakes[0] and day.winners == PLAYERS - MISSERS
    assert day.fee == fee_for(day.pot, fee_bps) and day.shared == day.pot - day.fee
    assert day.back_if_one_miss == (deposit - stakes[0] if max_misses else None)
    if random:
        assert sum(day.draw) == day.shared and min(day.draw) >= day.least
    else:
        shares = split_equal(day.shared, day.winners)
        assert (day.least, day.extra) == (min(shares), shares.count(day.least + 1) if day.extra else 0)
        assert day.least * day.winners + day.extra == day.shared


@settings(max_examples=200)
@given(st.integers(1, 366).flatmap(lambda n: st.tuples(st.integers(n, 10**9), st.just(n))))
def test_quitting_costs_what_the_held_deposit_holds_before_that_day(case) -> None:
    deposit, days = case
    stakes = daily_stakes(deposit, days)
    costs = quit_costs(deposit, days)
    assert [c.to_pot for c in costs] == held_before_day(deposit, days)
    assert [c.to_pot for c in costs] == [sum(stakes[k:]) for k in range(days)]
    assert all(c.to_pot + c.settled_before == deposit for c in costs)
    assert costs[0].to_pot == deposit and costs[-1].to_pot == stakes[-1]
