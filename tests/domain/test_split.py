"""The platform fee and the equal and random splits of a day's prize."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habits.domain import split
from habits.domain.split import fee_for, new_seed, random_weights, split_equal, split_random

DOC = Path(__file__).resolve().parents[2] / "docs" / "settlement.md"
EXAMPLE_SEED = "9f2c4e1a7b3d5f60182a4c6e8b0d2f41"

amounts_and_counts = st.tuples(
    st.one_of(st.integers(0, 50), st.integers(0, 10**12)),
    st.one_of(st.integers(1, 12), st.integers(1, 2000)),
)
seeds = st.one_of(st.text(min_size=1, max_size=40), st.binary(min_size=16, max_size=16).map(bytes.hex))


# --- fee -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pot_minor", "fee_bps", "fee"),
    [(1000, 250, 25), (999, 250, 24), (1, 9999, 0), (0, 500, 0), (1234, 0, 0), (1234, 10000, 1234)],
)
def test_fee_rounds_down(pot_minor: int, fee_bps: int, fee: int) -> None:
    assert fee_for(pot_minor, fee_bps) == fee


@pytest.mark.parametrize(("pot_minor", "fee_bps"), [(-1, 100), (100, -1), (100, 10001)])
def test_fee_refuses_nonsense(pot_minor: int, fee_bps: int) -> None:
    with pytest.raises(ValueError):
        fee_for(pot_minor, fee_bps)


# --- equal -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount_minor", "count", "shares"),
    [
        (975, 4, [244, 244, 244, 243]),
        (10, 3, [4, 3, 3]),
        (11, 3, [4, 4, 3]),
        (12, 3, [4, 4, 4]),
        (2, 3, [1, 1, 0]),
        (0, 2, [0, 0]),
        (7, 1, [7]),
    ],
)
def test_split_equal_gives_the_remainder_to_the_first_winners(
    amount_minor: int, count: int, shares: list[int]
) -> None:
    assert split_equal(amount_minor, count) == shares


@settings(max_examples=200)
@given(amounts_and_counts)
def test_split_equal_sums_and_differs_by_at_most_one(case: tuple[int, int]) -> None:
    amount_minor, count = case
    shares = split_equal(amount_minor, count)
    assert len(shares) == count
    assert sum(shares) == amount_minor
    assert shares == sorted(shares, reverse=True)  # extras sit at the front
    assert max(shares) - min(shares) <= 1
    assert shares.count(amount_minor // count + 1) == amount_minor % count


# --- random: the worked examples in docs/settlement.md ---------------------------------------


def test_random_weights_of_the_worked_example() -> None:
    assert random_weights(4, EXAMPLE_SEED) == [
        2688952443576175174,
        16677405892881662518,
        9699969432064237119,
        16063927327412925350,
    ]


@pytest.mark.parametrize(
    ("amount_minor", "count", "seed", "shares"),
    [
        (975, 4, EXAMPLE_SEED, [59, 360, 210, 346]),
        (2, 3, EXAMPLE_SEED, [0, 1, 1]),
        (10, 3, EXAMPLE_SEED, [2, 5, 3]),
        (975, 4, "00112233445566778899aabbccddeeff", [128, 244, 235, 368]),
        (975, 4, "streakpot", [327, 316, 259, 73]),
        (5, 5, EXAMPLE_SEED, [1, 1, 1, 1, 1]),
        (0, 3, EXAMPLE_SEED, [0, 0, 0]),
    ],
)
def test_split_random_pinned_vectors(amount_minor: int, count: int, seed: str, shares: list[int]) -> None:
    assert split_random(amount_minor, count, seed) == shares


def test_the_doc_example_starts_from_a_1000_cent_pot_with_a_250_bps_fee() -> None:
    prize = 1000 - fee_for(1000, 250)
    assert prize == 975
    assert split_equal(prize, 4) == [244, 244, 244, 243]
    assert split_random(prize, 4, EXAMPLE_SEED) == [59, 360, 210, 346]


def reference_from_doc() -> object:
    """The Python snippet in docs/settlement.md, so the doc cannot drift from the code."""
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    (source,) = [b for b in blocks if "def split_random" in b]
    namespace: dict[str, object] = {}
    exec(source, namespace)  # noqa: S102 - our own doc, read from the repository
    return namespace["split_random"]


@settings(max_examples=200)
@given(amounts_and_counts, seeds)
def test_the_doc_snippet_computes_what_the_code_does(case: tuple[int, int], seed: str) -> None:
    amount_minor, count = case
    doc_split = reference_from_doc()
    assert doc_split(amount_minor, count, seed) == split_random(amount_minor, count, seed)  # type: ignore[operator]


# --- random: properties ----------------------------------------------------------------------


@settings(max_examples=200)
@given(amounts_and_counts, seeds)
def test_split_random_sums_exactly_and_gives_everyone_a_unit_when_it_can(
    case: tuple[int, int], seed: str
) -> None:
    amount_minor, count = case
    shares = split_random(amount_minor, count, seed)
    assert len(shares) == count
    assert sum(shares) == amount_minor
    assert all(isinstance(s, int) for s in shares)
    if amount_minor >= count:
        assert min(shares) >= 1
    else:
        # Not a unit for everyone: some get nothing (a heavy weight may even take two).
        assert min(shares) >= 0
        assert 0 in shares
    assert split_random(amount_minor, count, seed) == shares  # reproducible


@settings(max_examples=200)
@given(amounts_and_counts, seeds)
def test_split_random_is_proportional_to_the_weights_within_one_unit(
    case: tuple[int, int], seed: str
) -> None:
    amount_minor, count = case
    shares = split_random(amount_minor, count, seed)
    weights = random_weights(count, seed)
    total_weight = sum(weights)
    floor_each = 1 if amount_minor >= count else 0
    rest = amount_minor - floor_each * count
    for share, weight in zip(shares, weights, strict=True):
        # The exact proportional share is rest * weight / total_weight; we get its floor or one more.
        assert share - floor_each in (rest * weight // total_weight, rest * weight // total_weight + 1)


@settings(max_examples=200)
@given(st.integers(1, 50), st.integers(0, 10**9), seeds)
def test_a_winners_share_depends_only_on_position_not_on_later_winners(
    count: int, amount_minor: int, seed: str
) -> None:
    """Winner i's weight is the same whatever the winner list's length."""
    assert random_weights(count + 1, seed)[:count] == random_weights(count, seed)


def test_different_seeds_give_different_splits() -> None:
    splits = {tuple(split_random(100_000, 5, f"seed-{n}")) for n in range(50)}
    assert len(splits) == 50


def test_the_leftover_goes_to_the_largest_remainders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "random_weights", lambda count, seed: [1, 5, 3, 2])
    # 4 winners, 13 units: 1 each, then rest 9 over W = 11: floors 0, 4, 2, 1 (sum 7),
    # remainders 9, 1, 5, 7 (in elevenths): the 2 leftover units go to winners 0 and 3.
    assert split_random(13, 4, "any") == [2, 5, 3, 3]


def test_equal_remainders_break_ties_by_lower_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "random_weights", lambda count, seed: [1] * count)
    # Equal weights: rest 2 over 3 gives floors 0 and remainder 2 each, a three-way tie.
    assert split_random(5, 3, "any") == [2, 2, 1]
    assert split_random(1, 3, "any") == [1, 0, 0]


def test_new_seed_is_32_hex_characters_and_fresh() -> None:
    seeds_drawn = {new_seed() for _ in range(100)}
    assert len(seeds_drawn) == 100
    assert all(re.fullmatch(r"[0-9a-f]{32}", s) for s in seeds_drawn)


@pytest.mark.parametrize(("amount_minor", "count"), [(-1, 3), (10, 0), (10, -2)])
def test_splits_refuse_nonsense(amount_minor: int, count: int) -> None:
    with pytest.raises(ValueError):
        split_equal(amount_minor, count)
    with pytest.raises(ValueError):
        split_random(amount_minor, count, "seed")


def test_split_random_needs_a_seed() -> None:
    with pytest.raises(ValueError, match="seed"):
        split_random(10, 2, "")
