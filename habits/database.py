"""Engine set-up that both the app and the tests rely on."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


def prepare_engine(engine: Engine) -> None:
    """Make SQLite behave: foreign keys on, WAL, and real SAVEPOINTs.

    pysqlite opens transactions lazily on its own and breaks ``begin_nested()``; SQLAlchemy's
    documented fix is to turn that off and emit BEGIN ourselves. IMMEDIATE takes the write lock
    up front so two writers queue (busy_timeout) instead of failing on a lock upgrade.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
