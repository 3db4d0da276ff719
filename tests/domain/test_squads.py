"""Squad placement and regrouping as properties over random populations."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habits.domain import squads

REGIONS = ["CN", "US", "DE", None]
AGES = ["18-24", "25-34", "35-44", None]
GOALS = ["run", "read", "Run ", None]


@st.composite
def populations(draw, max_size=700):
    n = draw(st.integers(0, max_size))
    ids = draw(st.lists(st.integers(1, 10**9), min_size=n, max_size=n, unique=True))
    members = []
    for eid in ids:
        members.append(
            (
                eid,
                {
                    "region": draw(st.sampled_from(REGIONS)),
                    "age_band": draw(st.sampled_from(AGES)),
                    "goal": draw(st.sampled_from(GOALS)),
                },
            )
        )
    return members


caps = st.integers(squads.MIN_CAP, 200)


@settings(max_examples=150, deadline=None)
@given(populations(), caps)
def test_placement_keeps_everyone_once_under_the_cap(members, cap):
    placed = squads.place(members, cap)
    flat = [eid for squad in placed for eid in squad]
    assert sorted(flat) == sorted(eid for eid, _ in members)
    assert all(len(squad) <= cap for squad in placed)
    assert len(placed) == squads.squad_count(len(members), cap)
    lo = squads.min_size(len(members), cap)
    assert all(len(squad) >= lo for squad in placed)
    if len(members) >= 2 * len(placed):
        assert all(len(squad) >= 2 for squad in placed)


@settings(max_examples=150, deadline=None)
@given(populations(), caps, st.randoms(use_true_random=False))
def test_placement_is_deterministic_whatever_the_input_order(members, cap, rnd):
    shuffled = list(members)
    rnd.shuffle(shuffled)
    assert squads.place(members, cap) == squads.place(shuffled, cap)


@settings(max_examples=150, deadline=None)
@given(populations(), caps)
def test_equal_answers_stay_together_when_room_allows(members, cap):
    placed = squads.place(members, cap)
    where = {eid: index for index, squad in enumerate(placed) for eid in squad}
    groups = defaultdict(set)
    for eid, attrs in members:
        groups[squads.match_key(attrs)].add(where[eid])
    # k squads are k - 1 cuts: at most k - 1 groups of equal answers are split
    assert sum(1 for spread in groups.values() if len(spread) > 1) <= max(0, len(placed) - 1)
    lo = squads.min_size(len(members), cap)
    for key, spread in groups.items():
        size = sum(1 for _, attrs in members if squads.match_key(attrs) == key)
        if size <= lo:
            assert len(spread) <= 2
        # a group spans only the squads its size needs, plus the ones the cuts at its ends touch
        assert len(spread) <= math.ceil(size / max(lo, 1)) + 1


def test_groups_that_fill_a_squad_exactly_get_one_each():
    members = [(i, {"region": "CN" if i < 150 else "US", "goal": "run"}) for i in range(300)]
    placed = squads.place(members, 150)
    assert placed == [list(range(150)), list(range(150, 300))]


def test_similar_answers_are_neighbours():
    # 3 groups, room for two squads of 6: the two CN groups share a squad rather than CN and US
    members = (
        [(i, {"region": "CN", "goal": "run"}) for i in range(3)]
        + [(10 + i, {"region": "US", "goal": "run"}) for i in range(6)]
        + [(20 + i, {"region": "CN", "goal": "read"}) for i in range(3)]
    )
    placed = squads.place(members, 6)
    assert sorted(map(sorted, placed)) == [[0, 1, 2, 20, 21, 22], [10, 11, 12, 13, 14, 15]]


def test_cap_outside_the_range_is_refused():
    with pytest.raises(ValueError):
        squads.place([(1, {})], 1)
    with pytest.raises(ValueError):
        squads.place([(1, {}), (1, {})], 5)


@st.composite
def layouts(draw):
    n_squads = draw(st.integers(1, 6))
    ids = draw(st.lists(st.integers(1, 10**6), min_size=1, max_size=300, unique=True))
    layout = defaultdict(list)
    for eid in ids:
        layout[draw(st.integers(1, n_squads)) * 7].append(eid)
    for squad_id in range(1, n_squads + 1):
        layout.setdefault(squad_id * 7, [])
    return dict(layout)


def _members_of(targets):
    return sorted(eid for target in targets for eid in target.members)


def _all(layout):
    return sorted(eid for members in layout.values() for eid in members)


@settings(max_examples=100, deadline=None)
@given(layouts(), caps, st.integers(0, 2**32))
def test_every_regroup_keeps_the_set_of_members(layout, cap, seed):
    everyone = _all(layout)
    chosen = sorted(layout)[:2]
    stale = everyone[::3]
    for targets in (
        squads.shuffle(layout, cap, seed),
        squads.rematch(layout, {eid: {"goal": str(eid % 3)} for eid in everyone}, cap),
        squads.split(layout, chosen, cap),
        squads.merge(layout, chosen),
        squads.by_activity(layout, stale, cap),
    ):
        assert _members_of(targets) == everyone
        existing = [t.squad_id for t in targets if t.squad_id is not None]
        assert len(existing) == len(set(existing))


def test_activity_moves_the_stale_into_a_fresh_squad():
    targets = squads.by_activity({1: [1, 2, 3], 2: [4, 5, 6]}, stale=[2, 5], cap=150)
    assert targets[-1] == squads.Target(None, [2, 5])
    assert squads.Target(1, [1, 3]) in targets and squads.Target(2, [4, 6]) in targets


def test_split_keeps_the_first_part_in_place():
    assert squads.split({9: [5, 4, 3, 2, 1]}, [9], 2) == [
        squads.Target(9, [1, 2]),
        squads.Target(None, [3, 4]),
        squads.Target(None, [5]),
    ]


def test_missed_most():
    assert squads.missed_most(4, 7) and not squads.missed_most(3, 7) and not squads.missed_most(0, 0)
