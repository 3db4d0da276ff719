"""An example day's settlement, worked with the rules settlement moves the money by.

What a page shows before anyone plays (the launch form's preview, its review step): ``members``
take part in day k, nobody has missed before, and ``missers`` of them miss it. Every figure comes
from the functions settlement itself calls, in SPEC's order:

- the stake ``s_k`` (``stakes.stake_for_day``);
- a miss moves ``s_k`` to the pot; when it is one miss more than ``max_misses`` allows (with
  ``max_misses = 0``, the first) the member is eliminated and the whole remaining held deposit,
  ``s_k + ... + s_(N-1)``, goes to the pot;
- the pot P (nothing carried in), the fee ``F = fee_for(P, fee_bps)``, and ``R = P - F`` split
  among the winners: ``equal_parts`` for the equal split (the first ``extra`` winners in
  check-in order get one unit more); for the lucky draw only what ``split_random`` guarantees
  (each winner at least one unit where R >= W, the shares summing to R), since its amounts
  depend on the seed drawn when the day is settled.

Each winner's wallet gets ``s_k`` plus their share, in one posting.
"""

from __future__ import annotations

from dataclasses import dataclass

from habits.domain.split import equal_parts, fee_for
from habits.domain.stakes import daily_stakes

#: members in an example unless the challenge needs more to start
EXAMPLE_MEMBERS = 10
#: one member in this many misses the example day
MISS_ONE_IN = 5


@dataclass(frozen=True)
class ExampleDay:
    day_index: int
    members: int
    missers: int
    #: s_k, what each winner gets back of their own deposit
    stake_minor: int
    #: the missers are eliminated on this day (their whole remaining deposit goes to the pot)
    eliminated: bool
    #: what one misser loses to the pot on this day
    forfeit_each_minor: int
    #: P, F and R = P - F
    pot_minor: int
    fee_minor: int
    split_minor: int
    #: True for the lucky draw: ``share_minor`` and ``extra_units`` are then its guarantees only
    random: bool
    #: equal split: every winner's share, the first ``extra_units`` winners get one unit more;
    #: lucky draw: the least any winner gets (1 where R >= W, else 0)
    share_minor: int
    extra_units: int

    @property
    def winners(self) -> int:
        return self.members - self.missers

    @property
    def winner_back_minor(self) -> int:
        """What a winner's wallet gets at the least: the stake and the smallest share."""
        return self.stake_minor + self.share_minor


def example_headcount(min_participants: int) -> tuple[int, int]:
    """(members, missers) of the example: ten members, or as many as the challenge needs to
    start, and one in five of them missing (at least one, never all)."""
    members = max(EXAMPLE_MEMBERS, min_participants, 2)
    return members, max(1, members // MISS_ONE_IN)


def example_day(
    *,
    deposit_minor: int,
    days: int,
    max_misses: int,
    fee_bps: int,
    random_split: bool,
    members: int,
    missers: int,
    day_index: int = 0,
) -> ExampleDay:
    """Day ``day_index`` settled with ``members`` taking part and ``missers`` of them missing it
    (for the first time). Raises ValueError for rules settlement would refuse (D < N, a fee
    outside 0 ... 10000) and for an example without winners or without a miss."""
    if not 0 < missers < members:
        raise ValueError(f"an example needs a miss and a winner: {missers} of {members} missing")
    stakes = daily_stakes(deposit_minor, days)
    if not 0 <= day_index < days:
        raise ValueError(f"day {day_index} is outside 0 ... {days - 1}")
    stake = stakes[day_index]
    # this day's miss is the first: one more than max_misses allows when max_misses is 0
    eliminated = max_misses < 1
    forfeit = sum(stakes[day_index:]) if eliminated else stake
    pot = missers * forfeit
    fee = fee_for(pot, fee_bps)
    rest = pot - fee
    winners = members - missers
    if random_split:
        share, extra = (1 if rest >= winners else 0), 0
    else:
        share, extra = equal_parts(rest, winners)
    return ExampleDay(
        day_index=day_index,
        members=members,
        missers=missers,
        stake_minor=stake,
        eliminated=eliminated,
        forfeit_each_minor=forfeit,
        pot_minor=pot,
        fee_minor=fee,
        split_minor=rest,
        random=random_split,
        share_minor=share,
        extra_units=extra,
    )
