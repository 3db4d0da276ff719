"""Streak milestones: the lengths a chat summary (and later a badge) celebrates.

A streak reaches a milestone on the day its length becomes one of ``STREAK_MILESTONES``; the
streak itself is ``habits.domain.streaks``' rule.
"""

from __future__ import annotations

STREAK_MILESTONES = (3, 7, 14, 21, 30, 50, 66, 100, 200, 365)


def milestone(streak: int) -> int | None:
    """The milestone a streak of ``streak`` days has just reached, or None."""
    return streak if streak in STREAK_MILESTONES else None
