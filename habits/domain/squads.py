"""Squads: placing a challenge's members in groups no bigger than a cap, and regrouping them.

Pure: members are (enrollment_id, attributes) pairs, squads are lists of enrollment ids. The
service reads the attributes and writes the result.

Placement (``place``): ceil(n / cap) squads, sizes balanced (each between ``min_size`` and the
cap, no squad of one when it can be avoided). Members are ordered by their attributes' key
(region, then age band, then goal; unknown values last; enrollment id breaks ties), so equal
answers sit next to each other and similar ones (same region, different goal) are neighbours;
the squads are then cut out of that order, each cut placed on the coarsest boundary between
keys that keeps the sizes balanced and the rest placeable. A group of equal answers is split
only where no boundary fits: k squads make k - 1 cuts, so at most k - 1 groups are split, and
a group no bigger than ``min_size`` lies in at most two squads. The same input gives the same
squads.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: the answers placement matches on, most important first (the "three proximities")
MATCH_KEYS = ("region", "age_band", "goal")
MIN_CAP = 2
MAX_CAP = 500
DEFAULT_CAP = 150
#: a squad is at least this share of the average size (balanced, yet room to cut between answers)
BALANCE = 0.8

Member = tuple[int, Mapping[str, object]]


def _part(value: object) -> tuple[bool, str]:
    if value is None:
        return (True, "")
    text = " ".join(str(value).split()).casefold()
    return (not text, text)


def match_key(attributes: Mapping[str, object]) -> tuple:
    """The order members are placed in: equal answers equal keys, unknown answers last."""
    return tuple(_part(attributes.get(name)) for name in MATCH_KEYS)


def squad_count(n: int, cap: int) -> int:
    return math.ceil(n / cap) if n else 0


def min_size(n: int, cap: int) -> int:
    """The smallest squad placement makes: BALANCE of the average, never 1 when 2 fits."""
    k = squad_count(n, cap)
    if not k:
        return 0
    floor_avg = n // k
    return max(1, min(floor_avg, max(2, math.floor(BALANCE * n / k))))


def _boundary_levels(keys: Sequence[tuple]) -> list[int]:
    """levels[j]: how coarse the boundary before position j is (3 = region changes, 0 = inside
    a group of equal answers); levels[0] and levels[n] are the ends."""
    n = len(keys)
    depth = len(MATCH_KEYS)
    levels = [depth + 1] * (n + 1)
    for j in range(1, n):
        before, after = keys[j - 1], keys[j]
        level = 0
        for i in range(depth):
            if before[i] != after[i]:
                level = depth - i
                break
        levels[j] = level
    return levels


def place(members: Iterable[Member], cap: int) -> list[list[int]]:
    """The squads (lists of enrollment ids, each sorted) for ``members`` under ``cap``."""
    if not MIN_CAP <= cap <= MAX_CAP:
        raise ValueError(f"a squad holds {MIN_CAP} to {MAX_CAP} members")
    ordered = sorted(((match_key(attrs), eid) for eid, attrs in members), key=lambda item: item)
    ids = [eid for _, eid in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError("a member appears twice")
    return [sorted(chunk) for chunk in _cut(ids, [key for key, _ in ordered], cap)]


def _cut(ids: list[int], keys: list[tuple], cap: int) -> list[list[int]]:
    n = len(ids)
    k = squad_count(n, cap)
    if k <= 1:
        return [ids] if ids else []
    lo = min_size(n, cap)
    levels = _boundary_levels(keys)
    squads = []
    pos = 0
    for index in range(k):
        left = k - index - 1  # squads still to make after this one
        if not left:
            squads.append(ids[pos:])
            break
        # this squad ends at c: its size within [lo, cap], the rest placeable in `left` squads
        first = max(pos + lo, n - left * cap)
        last = min(pos + cap, n - left * lo)
        ideal = pos + round((n - pos) / (left + 1))
        best = max(range(first, last + 1), key=lambda c: (levels[c], -abs(c - ideal), -c))
        squads.append(ids[pos:best])
        pos = best
    return squads


def balanced_chunks(ids: Sequence[int], cap: int) -> list[list[int]]:
    """``ids`` in order, cut into ceil(len / cap) runs whose sizes differ by at most one."""
    k = squad_count(len(ids), cap)
    if not k:
        return []
    base, extra = divmod(len(ids), k)
    chunks, pos = [], 0
    for index in range(k):
        size = base + (1 if index < extra else 0)
        chunks.append(list(ids[pos : pos + size]))
        pos += size
    return chunks


@dataclass(frozen=True)
class Target:
    """Where a group of members goes: an existing squad (its id) or a new one (None)."""

    squad_id: int | None
    members: list[int]


Layout = Mapping[int, Sequence[int]]


def shuffle(layout: Layout, cap: int, seed: int) -> list[Target]:
    """Everyone dealt at random into balanced squads; existing squads are reused in id order."""
    ids = sorted(eid for members in layout.values() for eid in members)
    random.Random(seed).shuffle(ids)
    return _reuse(sorted(layout), [sorted(chunk) for chunk in balanced_chunks(ids, cap)])


def rematch(layout: Layout, attributes: Mapping[int, Mapping[str, object]], cap: int) -> list[Target]:
    """Everyone placed again by their answers (``place``); existing squads reused in id order."""
    ids = [eid for members in layout.values() for eid in members]
    return _reuse(sorted(layout), place(((eid, attributes.get(eid, {})) for eid in ids), cap))


def split(layout: Layout, squad_ids: Sequence[int], size: int) -> list[Target]:
    """Each chosen squad cut into balanced squads of at most ``size``: the first part stays."""
    targets = _untouched(layout, squad_ids)
    for squad_id in sorted(set(squad_ids)):
        chunks = balanced_chunks(sorted(layout[squad_id]), size)
        targets.extend(Target(squad_id if i == 0 else None, chunk) for i, chunk in enumerate(chunks))
    return targets


def merge(layout: Layout, squad_ids: Sequence[int]) -> list[Target]:
    """The chosen squads become one (the lowest id); the others are left empty."""
    chosen = sorted(set(squad_ids))
    members = sorted(eid for squad_id in chosen for eid in layout[squad_id])
    merged = [Target(chosen[0], members)] + [Target(squad_id, []) for squad_id in chosen[1:]]
    return _untouched(layout, chosen) + merged


def _untouched(layout: Layout, chosen: Sequence[int]) -> list[Target]:
    return [Target(squad_id, list(members)) for squad_id, members in layout.items() if squad_id not in chosen]


def by_activity(layout: Layout, stale: Iterable[int], cap: int) -> list[Target]:
    """The ``stale`` members (who missed most of the last days) leave for fresh squads."""
    stale = set(stale)
    targets = [Target(squad_id, sorted(set(members) - stale)) for squad_id, members in layout.items()]
    moving = sorted(eid for members in layout.values() for eid in members if eid in stale)
    targets.extend(Target(None, chunk) for chunk in balanced_chunks(moving, cap))
    return targets


def _reuse(existing: list[int], squads: list[list[int]]) -> list[Target]:
    targets = [Target(existing[i] if i < len(existing) else None, squad) for i, squad in enumerate(squads)]
    targets.extend(Target(squad_id, []) for squad_id in existing[len(squads) :])
    return targets


def missed_most(missed: int, days: int) -> bool:
    """Missed most of the ``days`` looked at: more than half of them."""
    return days > 0 and missed * 2 > days
