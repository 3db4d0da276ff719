"""Migration 0002 on an empty database gives exactly the ledger models' tables, and on PostgreSQL
the guard triggers of ledger/ddl.py (whose text it copies)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, text

import ledger
from ledger import ddl

ROOT = Path(__file__).resolve().parents[2]
REVISION = ROOT / "migrations" / "versions" / "0002_create_ledger.py"
LEDGER_TABLES = ("ledger_accounts", "ledger_transactions", "ledger_postings")


def test_the_revision_copies_the_guards_verbatim():
    spec = importlib.util.spec_from_file_location("revision_0002", REVISION)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    assert (revision.revision, revision.down_revision) == ("0002", "0001")
    # if ddl.py changed, 0002 must not follow it: a new revision replaces the functions/triggers
    assert revision.CREATE_FUNCTIONS == ddl.CREATE_FUNCTIONS, "ledger/ddl.py changed: add a revision"
    assert revision.TRANSACTIONS_TRIGGERS == ddl.TRANSACTIONS_TRIGGERS
    assert revision.POSTINGS_TRIGGERS == ddl.POSTINGS_TRIGGERS
    assert revision.DROP_ALL == ddl.DROP_ALL


def test_upgrade_to_0002_builds_the_ledger(app, empty_database_url):
    env = dict(
        os.environ, STREAKPOT_SQLALCHEMY_DATABASE_URI=empty_database_url, STREAKPOT_SCHEDULER_MODE="off"
    )
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade", "0002"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]

    only_ledger = MetaData(naming_convention=ledger.Base.metadata.naming_convention)
    for name in LEDGER_TABLES:
        ledger.Base.metadata.tables[name].to_metadata(only_ledger)
    engine = create_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = [
                d for d in compare_metadata(context, only_ledger) if d[0] != "remove_table"
            ]  # tables of other revisions (heartbeats, alembic_version) are not ours to compare
            triggers = []
            if engine.dialect.name == "postgresql":
                triggers = conn.execute(
                    text("SELECT tgname, tgdeferrable FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname")
                ).all()
    finally:
        engine.dispose()
    assert differences == []
    if engine.dialect.name == "postgresql":
        assert [tuple(t) for t in triggers] == [
            ("ledger_postings_append_only", False),
            ("ledger_postings_balanced", False),
            ("ledger_transactions_append_only", False),
            ("ledger_transactions_balanced", True),
        ]
