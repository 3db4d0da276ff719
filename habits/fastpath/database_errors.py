"""What "the database cannot be reached" raises, on every road a request takes to it.

SQLAlchemy wraps the driver's errors (``OperationalError``, ``InterfaceError``) on its own
roads, but the check-in's hot path talks to psycopg directly (direct_sql.py), whose errors come
unwrapped: the edge answers all of them with a 503, so the fence names psycopg's here.
"""

from __future__ import annotations

import psycopg
from sqlalchemy import exc

#: a lost or refused connection, a server shutting down, a pool timed out: retrying later may work
UNREACHABLE: tuple[type[Exception], ...] = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.TimeoutError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
