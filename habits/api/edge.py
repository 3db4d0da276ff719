"""The commit boundary of the API: every route runs its one service through here.

Services flush and never commit (STYLE 4.4); the edge commits once, or rolls back when the
service refused (HabitsError) or failed, so a request's writes land all or nothing.
"""

from __future__ import annotations

from habits.unit_of_work import (  # noqa: F401  (the edge's API)
    commit,
    read,
    request_now,
)
