"""`flask db upgrade` on an empty database gives exactly the models' schema."""

from __future__ import annotations

import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from habits.extensions import db


def test_upgrade_from_empty_matches_the_models(app, empty_database_url, tmp_path):
    env = dict(
        os.environ, STREAKPOT_SQLALCHEMY_DATABASE_URI=empty_database_url, STREAKPOT_SCHEDULER_MODE="off"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    engine = create_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    finally:
        engine.dispose()
    assert differences == []
