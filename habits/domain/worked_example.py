"""A day worked through with a challenge's own rules: what the challenge page tells people before
they join, computed by the code that moves the money (stakes, fee, split), never written by hand.

The scenario is stated on the page ("say 10 play and 2 miss day 1"); every figure in it comes from
``habits.domain.stakes`` and ``habits.domain.split``, and the promise about a share is
``split.least_share``: what the rule guarantees, not what one draw happened to give.
"""

from __future__ import annotations

from dataclasses import dataclass

from habits.domain.split import equal_parts, fee_for, least_share, split_random
from habits.domain.stakes import daily_stakes, held_before_day

#: the scenario the page states
PLAYERS = 10
MISSERS = 2
#: the seed of the example lucky draw (any fixed text: the draw is reproducible from it)
EXAMPLE_SEED = "worked-example"


@dataclass(frozen=True)
class WorkedDay:
    stake: int
    last_stake: int
    #: what comes back to someone who misses day 1 and checks in on every other day; None when a
    #: first miss eliminates (then the rest of the deposit goes to the pot)
    back_if_one_miss: int | None
    players: int
    missers: int
    pot: int
    fee: int
    #: the pot less the fee, shared among the winners
    shared: int
    winners: int
    #: the least one winner gets on top of their stake (the rule's promise)
    least: int
    #: equal split: how many winners get one unit more than ``least`` (the earliest risers)
    extra: int
    #: random split: one draw of these numbers with ``EXAMPLE_SEED``, earliest riser first
    draw: tuple[int, ...]


def worked_day(deposit_minor: int, days: int, fee_bps: int, max_misses: int, *, random: bool) -> WorkedDay:
    """Day 1 (index 0) of a challenge with these rules, when ``PLAYERS`` play and ``MISSERS`` miss."""
    stakes = daily_stakes(deposit_minor, days)
    winners = PLAYERS - MISSERS
    pot = MISSERS * stakes[0]
    fee = fee_for(pot, fee_bps)
    shared = pot - fee
    extra = 0 if random else equal_parts(shared, winners)[1]
    return WorkedDay(
        stake=stakes[0],
        last_stake=stakes[-1],
        back_if_one_miss=deposit_minor - stakes[0] if max_misses > 0 else None,
        players=PLAYERS,
        missers=MISSERS,
        pot=pot,
        fee=fee,
        shared=shared,
        winners=winners,
        least=least_share(shared, winners, random=random),
        extra=extra,
        draw=tuple(split_random(shared, winners, EXAMPLE_SEED)) if random else (),
    )


@dataclass(frozen=True)
class QuitCost:
    """Quitting while day ``day_index`` is not settled yet."""

    day_index: int
    #: what goes to the pot at that day's settlement (the rest of the held deposit)
    to_pot: int
    #: what has left the held deposit before (back to the wallet, or forfeited by a miss)
    settled_before: int


def quit_costs(deposit_minor: int, days: int) -> list[QuitCost]:
    """What quitting costs on each day after day 0's window opened (before it: nothing)."""
    return [
        QuitCost(k, held, deposit_minor - held) for k, held in enumerate(held_before_day(deposit_minor, days))
    ]
