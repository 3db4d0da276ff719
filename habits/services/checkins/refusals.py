"""The check-in's refusals (each a HabitsError the edges turn into a problem document or a page)."""

from __future__ import annotations

from habits.services.errors import HabitsError


class CheckInClosed(HabitsError):
    title = "Check-in window closed"
    code = "check_in_closed"


class AlreadyCheckedIn(HabitsError):
    title = "Already checked in"
    code = "already_checked_in"


class CheckInNotAllowed(HabitsError):
    title = "Check-in not allowed"
    code = "check_in_not_allowed"


class VoidTooLate(HabitsError):
    title = "Day already due"
    code = "void_too_late"
