"""Statements on the check-in hot path, run with as little machinery as each database allows.

The wake-up spike is thousands of taps in the same minutes; each is one read and one insert.
On PostgreSQL both go straight to psycopg with SQL that SQLAlchemy compiled once from the same
Core statements (SQLAlchemy's per-execution context and result objects cost about a tenth of a
check-in), as server-side prepared statements. Elsewhere (SQLite, the demo) SQLAlchemy runs
them. Either way a row comes back as a plain tuple in the statement's column order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import Session, scoped_session

#: what the hot path's statements run on: a psycopg connection (PostgreSQL) or SQLAlchemy's
StatementTarget = psycopg.Connection | Connection

_POSTGRESQL = psycopg_dialect()


class OneRow:
    """A statement that returns at most one row."""

    def __init__(self, statement) -> None:
        self.statement = statement
        #: compiled SQL, and the values of the statement's own literals, by the parameter names
        #: given (an INSERT names the columns it fills)
        self._postgresql_sql: dict[frozenset, tuple[str, dict]] = {}

    def first(self, target: StatementTarget, params: dict) -> tuple | None:
        if isinstance(target, Connection):
            row = target.execute(self.statement, params).first()
            return tuple(row) if row is not None else None
        names = frozenset(params)
        compiled = self._postgresql_sql.get(names)
        if compiled is None:
            statement = self.statement.compile(dialect=_POSTGRESQL, column_keys=sorted(names))
            literals = {name: value for name, value in statement.params.items() if name not in names}
            compiled = self._postgresql_sql[names] = (str(statement), literals)
        sql, literals = compiled
        return target.execute(sql, {**literals, **params} if literals else params, prepare=True).fetchone()


@contextmanager
def statement_target(
    session: Session | scoped_session, engine: Engine | None = None
) -> Iterator[StatementTarget]:
    """Where a hot-path unit of work (one read, one insert) runs its statements.

    When the session has not begun a transaction and its database is PostgreSQL, the work is
    the request's whole unit of work: it runs autocommitted on a pooled connection of its own,
    with no BEGIN and COMMIT round trips and none of the ORM session's bookkeeping (each insert
    is still durable before the answer: its commit waits for the WAL flush). Inside a caller's
    transaction (a page that does more, a test's savepoint) it joins that transaction. An
    ``engine`` given by a caller that has no session yet saves creating one to find this out.
    """
    if engine is None:
        session = session() if isinstance(session, scoped_session) else session
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) and not session.in_transaction() else None
    if engine is None or engine.dialect.name != "postgresql":
        connection = session.connection()  # a scoped_session hands this on to its session
        postgresql = connection.dialect.name == "postgresql"
        yield connection.connection.driver_connection if postgresql else connection
        return
    pooled = engine.raw_connection()
    driver = pooled.driver_connection
    try:
        driver.autocommit = True
        yield driver
    finally:
        try:
            driver.autocommit = False  # the pool's other users expect transactions
        except psycopg.Error:
            pooled.invalidate()  # a broken connection never goes back into the pool
        pooled.close()
