"""The check-in's refusals (each a HabitsError the edges turn into a problem document or a page)."""

from __future__ import annotations

from habits.services.errors import HabitsError


class CheckInClosed(HabitsError):
    title = "Check-in window closed"


class AlreadyCheckedIn(HabitsError):
    title = "Already checked in"


class CheckInNotAllowed(HabitsError):
    title = "Check-in not allowed"


class VoidTooLate(HabitsError):
    title = "Day already due"
