"""The named rate limits of the payout routes, shared by the API and the pages (which may not
import each other). Each is a setting, read when a request is checked, with this default.

=========================  ==================  ==============================================
setting                    default             what it limits (per member)
=========================  ==================  ==============================================
RATELIMIT_PAYOUT_REQUEST   5/hour;20/day       a member asking for a payout
RATELIMIT_PAYOUT_DECISION  20/minute;200/hour  approve (with the password), refuse, mark paid
=========================  ==================  ==============================================
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

PAYOUT_LIMITS = {
    "RATELIMIT_PAYOUT_REQUEST": "5/hour;20/day",
    # an approval checks the password again: guessable, so not much looser than the login
    "RATELIMIT_PAYOUT_DECISION": "20/minute;200/hour",
}


def payout_limit(name: str) -> Callable[[], str]:
    """The limit string of setting ``name`` (for ``limiter.limit``), its default when unset."""
    default = PAYOUT_LIMITS[name]
    return lambda: current_app.config.get(name) or default
