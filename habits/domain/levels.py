"""Levels and badges (SPEC, "Streaks, rank and levels"): every threshold lives in this one table.

A level is earned by consistency: cumulative valid check-ins in every challenge. A badge is
awarded once per (member, badge, scope); the scope says what it is for (``""``: once ever; a
challenge; a challenge day), and the database's unique key holds "once" however paths race.

When each is awarded:

- at the settlement of the day (its check-ins, ranks and runs are final only once it is due):
  ``streak_7``, ``streak_21``, ``streak_66`` (once ever each, when a challenge streak reaches the
  number), ``comeback`` (a check-in that starts a new run after a miss in that challenge, once per
  challenge), ``earliest_riser`` (rank 1) and ``top_three`` (ranks 1-3), once per challenge day,
  and ``first_check_in`` (once ever); the wake-up tap writes nothing more;
- when the challenge is finished (its last day settled): ``perfect_challenge``, a completed
  enrollment with a valid check-in on every day that was not a rest day or excused.
"""

from __future__ import annotations

from enum import StrEnum

#: (level, cumulative valid check-ins needed), in order: THE table of thresholds
LEVELS: tuple[tuple[int, int], ...] = (
    (1, 0),
    (2, 3),
    (3, 7),
    (4, 14),
    (5, 30),
    (6, 60),
    (7, 100),
    (8, 200),
    (9, 365),
    (10, 500),
)

#: each level's name (English message ids: the pages and the API's readers translate them)
LEVEL_NAMES: dict[int, str] = {
    1: "Newcomer",
    2: "Starter",
    3: "Regular",
    4: "Steady",
    5: "Committed",
    6: "Devoted",
    7: "Centurion",
    8: "Veteran",
    9: "Year-rounder",
    10: "Legend",
}


def next_level_at(valid_check_ins: int) -> int | None:
    """The cumulative valid check-ins the next level needs; None at the top."""
    needs = next_level_needs(valid_check_ins)
    return None if needs is None else valid_check_ins + needs


class Badge(StrEnum):
    FIRST_CHECK_IN = "first_check_in"
    STREAK_7 = "streak_7"
    STREAK_21 = "streak_21"
    STREAK_66 = "streak_66"
    EARLIEST_RISER = "earliest_riser"
    TOP_THREE = "top_three"
    PERFECT_CHALLENGE = "perfect_challenge"
    COMEBACK = "comeback"


#: streak badges by the challenge streak that earns them (same table as the levels: thresholds)
STREAK_BADGES: tuple[tuple[int, Badge], ...] = (
    (7, Badge.STREAK_7),
    (21, Badge.STREAK_21),
    (66, Badge.STREAK_66),
)
#: riser badges by the best rank of the day that earns them
RISER_BADGES: tuple[tuple[int, Badge], ...] = ((1, Badge.EARLIEST_RISER), (3, Badge.TOP_THREE))


def level_for(valid_check_ins: int) -> int:
    """The level reached with ``valid_check_ins`` cumulative valid check-ins."""
    reached = LEVELS[0][0]
    for level, needed in LEVELS:
        if valid_check_ins >= needed:
            reached = level
    return reached


def next_level_needs(valid_check_ins: int) -> int | None:
    """Check-ins still needed for the next level; None at the top."""
    for _, needed in LEVELS:
        if needed > valid_check_ins:
            return needed - valid_check_ins
    return None


def badges_at_check_in(*, streak: int, first_ever: bool, valid_before_in_challenge: int) -> list[Badge]:
    """What a new valid check-in earns, given the run it ends (``streak``, itself included), whether
    it is the member's first valid check-in ever, and how many valid check-ins of earlier days the
    member has in this challenge. Awarded "when the streak reaches": a run that passes a number
    (days recorded later on appeal) still earns it on its next check-in."""
    earned = [Badge.FIRST_CHECK_IN] if first_ever else []
    earned += [badge for needed, badge in STREAK_BADGES if streak >= needed]
    if streak == 1 and valid_before_in_challenge > 0:
        earned.append(Badge.COMEBACK)  # a run that starts today, after earlier check-ins: a miss between
    return earned
