"""What a request gets while a part the service leans on is down: a 503 with ``Retry-After``,
never a 500. A unit of work cut off by a lost connection rolls back with it; one whose commit
went through before the answer was lost is found again by its retry (a second check-in of the
day is refused as already made, never stored twice).

- The database (PostgreSQL restarting, a connection lost, the pool exhausted): every road to it
  raises one of ``fastpath.database_errors.UNREACHABLE``.
- The rate limits' storage (Redis): limits.errors.StorageError (the storage is built with
  ``wrap_exceptions``, habits/config.py). Check-ins fail open (habits/ratelimits.py, ``fails_open``):
  a member at the wake-up spike is not refused because a counter cannot be reached; every other
  limit fails closed here, logins first.

The page for people is a fixed bilingual document rendered without the app's context processors,
which read the database (the member, the unread count) and would fail the same way.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, request
from limits.errors import StorageError

from habits.fastpath.database_errors import UNREACHABLE
from habits.problems import problem, wants_json

log = logging.getLogger(__name__)

#: long enough for a restart or a fail-over, short enough that a member's retry lands soon after
RETRY_AFTER_SECONDS = 5

DETAILS = {
    "database_unavailable": "The database cannot be reached right now; try again in a few seconds.",
    "limits_unavailable": (
        "This request cannot be checked against its rate limit right now, so it was not done; "
        "try again in a few seconds."
    ),
}


def unavailable(code: str):
    """The 503 for ``code`` (a key of DETAILS): a problem document, or the fixed page."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if wants_json():
        return problem(503, "Service Unavailable", DETAILS[code], headers=headers, code=code)
    page = current_app.jinja_env.get_template("errors/unavailable.html").render()
    return page, 503, {**headers, "Content-Type": "text/html; charset=utf-8"}


def database_unreachable(exc: Exception):
    log.warning("database unreachable on %s %s: %s", request.method, request.path, exc)
    return unavailable("database_unavailable")


def limits_unreachable(exc: StorageError):
    log.warning("rate-limit storage unreachable on %s %s: %s", request.method, request.path, exc)
    return unavailable("limits_unavailable")


def install(app: Flask) -> None:
    for kind in UNREACHABLE:
        app.register_error_handler(kind, database_unreachable)
    app.register_error_handler(StorageError, limits_unreachable)
