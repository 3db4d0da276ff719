"""Failed joins of a community, limited per member and per client address (the API and the page).

A join fails when the invite code is wrong, the form's answers are not right or the quiz is failed. Guessing a
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
from habits.services import entry
from habits.unit_of_work import commit

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


def count_failure(member_id: int, *, community=None, refusal: Exception | None = None) -> None:
    """One more failed join for the member and for this request's address; a failed quiz is
    also kept in the database (its own transaction: the join's was rolled back), where it counts
    against the member's tries (``habits.services.entry.QUIZ_TRIES_PER_DAY``)."""
    if isinstance(refusal, entry.QuizFailed):
        commit(entry.record_failed_quiz, community, member_id, refusal.extra.get("challenge_id"))
    if not limiter.enabled:
        return
    for item in limit_items(NAME):
        for key in _keys(member_id):
            limiter.limiter.hit(item, SCOPE, key)
