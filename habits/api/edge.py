"""The commit boundary of the API: every route runs its one service through here.

Services flush and never commit (STYLE 4.4); the edge commits once, or rolls back when the
service refused (HabitsError) or failed, so a request's writes land all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from flask import request

from habits.extensions import db

T = TypeVar("T")


def request_now() -> datetime:
    """The server's clock for this request: read once, so every rule in it sees one instant."""
    # Kept in the WSGI environ, not on ``g``: an app context (and its g) can outlive a request,
    # as in tests that push one around several requests.
    now = request.environ.get("streakpot.now")
    if now is None:
        now = request.environ["streakpot.now"] = datetime.now(UTC)
    return now


def commit(service: Callable[..., T], *args, **kwargs) -> T:
    """Call ``service(db.session, *args, now=<request now>, **kwargs)`` and commit its work."""
    session = db.session
    try:
        result = service(session, *args, now=request_now(), **kwargs)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def read(service: Callable[..., T], *args, **kwargs) -> T:
    """Call a read-only service (no commit; the request's teardown ends the transaction)."""
    return service(db.session, *args, now=request_now(), **kwargs)
