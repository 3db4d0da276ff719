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

from flask_limiter.util import get_remote_address

from habits.extensions import limiter
from habits.ratelimits import limit_items, refuse_until

#: the table's limit (habits/ratelimits.py: a member who mistypes a code a few times is not
#: slowed; a guesser gets 20 tries an hour), counted here with a storage test before each join,
#: across processes, and per member (not per token) on the API too
NAME = "join_failures"
SCOPE = "join-failures"


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
        for item in limit_items(NAME)
        for key in _keys(member_id)
        if not strategy.test(item, SCOPE, key)
    ]
    if resets:
        refuse_until("Too many failed attempts to join: wait before trying again.", max(resets))


def count_failure(member_id: int) -> None:
    """One more failed join for the member and for this request's address."""
    if not limiter.enabled:
        return
    for item in limit_items(NAME):
        for key in _keys(member_id):
            limiter.limiter.hit(item, SCOPE, key)
