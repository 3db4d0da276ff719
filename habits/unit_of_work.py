"""The commit boundary shared by every HTTP edge (the API and the pages).

Services flush and never commit (STYLE 4.4). An edge runs its one service through ``commit``:
the work lands all or nothing, and the service sees the one instant the request started at.
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
    # Kept in the WSGI environ, not on ``g``: an app context (and its g) can outlive a request.
    now = request.environ.get("streakpot.now")
    if now is None:
        now = request.environ["streakpot.now"] = datetime.now(UTC)
    return now


def commit(service: Callable[..., T], *args, **kwargs) -> T:
    """Call ``service(db.session, *args, now=<request now>, **kwargs)`` and commit its work."""
    session = db.session
    try:
        result = service(session, *args, now=request_now(), **kwargs)
        # A session autobegins on its first statement or added object: one that never began (or
        # was never created: the check-in's autocommitted tap) has nothing to commit, and
        # committing it would only cost the bookkeeping.
        if session_begun():
            session.commit()
    except BaseException:
        if session.registry.has():
            session.rollback()
        raise
    return result


def session_begun() -> bool:
    """Whether this request's session exists and has begun a transaction (creates nothing)."""
    return db.session.registry.has() and db.session().in_transaction()


def read(service: Callable[..., T], *args, **kwargs) -> T:
    """Call a read-only service with the request's clock (no commit; teardown ends the transaction)."""
    return service(db.session, *args, now=request_now(), **kwargs)
