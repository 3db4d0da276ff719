"""What settlement refuses."""

from __future__ import annotations

from habits.services.errors import HabitsError


class SettlementError(HabitsError):
    """The data does not allow a day to be settled (a bug or a broken row): nothing was written."""

    code = "settlement_not_possible"
