"""Failed joins of a community, limited per member and per client address (the API and the page).

A join fails when the invite code is wrong or the join questions are not answered. Guessing a
code needs many failures, so each failure counts against the member and against the address
it came from; once either is over ``RATELIMIT_JOIN_FAILURES`` (default below), every join
attempt from them is refused with 429 and ``Retry-After`` until the window passes. Joins that
succeed cost nothing, so a member who typed the code right once is never slowed.

The counts live in Flask-Limiter's storage (memory, or Redis in production: see
habits/api/ratelimits.py), asked directly: "test before, count only failures" is not a shape the
decorator has for two keys at once.
"""

from __future__ import annotations

import functools
import time

from flask import Response, current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from habits.extensions import limiter
from habits.ratelimits import LIMITS, SETTINGS

#: the table's name and default (a member who mistypes a code a few times is not slowed; a
#: guesser gets 20 tries an hour); counted here with a storage test before each join, across
#: processes, rather than the table's per-process memory of refused keys
SETTING = SETTINGS["join_failures"]
DEFAULT = LIMITS["join_failures"].default
SCOPE = "join-failures"


@functools.lru_cache(maxsize=8)
def _parsed(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def _limits() -> tuple[RateLimitItem, ...]:
    return _parsed(current_app.config.get(SETTING) or DEFAULT)


def _keys(member_id: int) -> tuple[str, ...]:
    return (f"member:{member_id}", f"address:{get_remote_address()}")


def refuse_when_over(member_id: int) -> None:
    """Raise TooManyRequests (429, with Retry-After) when the member, or the address this
    request comes from, has failed to join too often lately."""
    if not limiter.enabled:
        return
    strategy = limiter.limiter
    resets = [
        strategy.get_window_stats(item, SCOPE, key).reset_time
        for item in _limits()
        for key in _keys(member_id)
        if not strategy.test(item, SCOPE, key)
    ]
    if resets:
        seconds = max(1, int(max(resets) - time.time()))
        raise TooManyRequests(
            "Too many failed attempts to join: wait before trying again.",
            response=Response(status=429, headers={"Retry-After": str(seconds)}),
        )


def count_failure(member_id: int) -> None:
    """One more failed join for the member and for this request's address."""
    if not limiter.enabled:
        return
    for item in _limits():
        for key in _keys(member_id):
            limiter.limiter.hit(item, SCOPE, key)
