"""/readyz's checks: may this node take traffic? A list the app builds once, open to more.

Each check is a name and a function that returns None when all is well or a short reason.
The database, the migrations at head and (when the rate limits are kept there) Redis are
always checked; another part of the app adds its own (the object store once it is configured)
with ``add_readiness_check``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import text

from habits.extensions import db, limiter

_CHECKS_KEY = "streakpot_readiness"


@dataclass(frozen=True)
class ReadinessCheck:
    name: str
    #: returns None when ready, else a short reason (an exception counts as not ready too)
    run: Callable[[], str | None]


def add_readiness_check(app: Flask, name: str, run: Callable[[], str | None]) -> None:
    app.extensions.setdefault(_CHECKS_KEY, []).append(ReadinessCheck(name, run))


def readiness_checks(app: Flask) -> list[ReadinessCheck]:
    return list(app.extensions.get(_CHECKS_KEY, []))


def check_database() -> str | None:
    db.session.execute(text("SELECT 1"))
    return None


class MigrationsAtHead:
    """The database's alembic revision against the scripts' head (read from disk once)."""

    def __init__(self, directory: str):
        self.directory = directory
        self._heads: frozenset[str] | None = None

    def heads(self) -> frozenset[str]:
        if self._heads is None:
            self._heads = frozenset(ScriptDirectory(self.directory).get_heads())
        return self._heads

    def __call__(self) -> str | None:
        current = frozenset(MigrationContext.configure(db.session.connection()).get_current_heads())
        if current == self.heads():
            return None
        found = ", ".join(sorted(current)) or "none"
        expected = ", ".join(sorted(self.heads()))
        return f"the database is at {found}, the code expects {expected}: run `flask db upgrade`"


def check_rate_limit_storage() -> str | None:
    return None if limiter.storage.check() else "the rate-limit storage does not answer"


def install_default_checks(app: Flask) -> None:
    add_readiness_check(app, "database", check_database)
    add_readiness_check(app, "migrations", MigrationsAtHead(app.extensions["migrate"].directory))
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis://", "rediss://", "redis+")):
        add_readiness_check(app, "redis", check_rate_limit_storage)
