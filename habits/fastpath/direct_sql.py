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
from sqlalchemy.orm import Session, scoped_session, sessionmaker

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


def dialect_name(target: StatementTarget) -> str:
    """The database a target talks to: a bare psycopg connection is PostgreSQL's."""
    return target.dialect.name if isinstance(target, Connection) else "postgresql"


@contextmanager
def statement_target(session: Session | scoped_session) -> Iterator[StatementTarget]:
    """Where a hot-path unit of work (one read, one insert) runs its statements.

    When no transaction has begun (and, for a scoped session, no session even exists yet) and the
    database is PostgreSQL, the work is the request's whole unit of work: it runs autocommitted
    on a pooled connection of its own, with no BEGIN and COMMIT round trips and none of the ORM
    session's bookkeeping (each insert is still durable before the answer: its commit waits for
    the WAL flush). Inside a caller's transaction (a page that does more, a test's savepoint) it
    joins that transaction.
    """
    engine = _engine_to_run_alone(session)
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


def _engine_to_run_alone(session: Session | scoped_session) -> Engine | None:
    """The engine to run on outside any transaction, or None to join the session's."""
    if isinstance(session, scoped_session):
        if not session.registry.has():
            # Creating the request's Session just to learn it has begun nothing costs a
            # measurable share of a tap: ask its factory for the engine instead.
            return engine_of_factory(session.session_factory)
        session = session()
    if session.in_transaction():
        return None
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else None


def engine_of_factory(factory: sessionmaker) -> Engine | None:
    """The engine a session factory's sessions use by default, found without making one.

    A plain ``sessionmaker(bind=engine)`` holds it in its keywords. Flask-SQLAlchemy's factory
    holds the extension instead (``sessionmaker(db=...)``, an arrangement of Flask-SQLAlchemy 3.1
    that tests/fastpath checks), whose ``engine`` is the default bind of the current app.
    """
    bind = factory.kw.get("bind")
    if bind is None and factory.kw.get("db") is not None:
        bind = factory.kw["db"].engine
    return bind if isinstance(bind, Engine) else None
