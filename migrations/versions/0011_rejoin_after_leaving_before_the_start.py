"""one live enrollment per member and challenge: re-joining after leaving before day 0

SPEC: "Re-joining a challenge after leaving it before day 0 creates a new enrollment (its own
deposit and keys); at most one enrollment per member and challenge is not in a terminal state."
The unique (challenge_id, member_id) constraint allowed one enrollment ever; it becomes a partial
unique index over the live statuses. LIVE_STATUSES is a frozen copy of
habits.domain.lifecycle.LIVE as it stood (a migration imports no application code);
tests/test_migration_live_enrollments.py holds that they agree.

SQLite drops a table constraint only by rebuilding the table, with foreign keys off (other tables
reference enrollments, some with ON DELETE CASCADE): SQLite's own recipe, checked with
``PRAGMA foreign_key_check`` before its commit. The table's own SQL is edited rather than
rewritten, so columns other revisions added are kept as they are.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 09:00:00

"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLE = "enrollments"
OLD_UNIQUE = "uq_enrollments_challenge_id_member_id"
LIVE_INDEX = "uq_enrollments_live_challenge_member"
LIVE_STATUSES = ("active", "pending_payment", "suspended")
LIVE_CONDITION = "status IN (" + ", ".join(f"'{status}'" for status in LIVE_STATUSES) + ")"
#: the constraint as SQLite stores it in the table's SQL (0003 created it so)
OLD_UNIQUE_SQL = f"CONSTRAINT {OLD_UNIQUE} UNIQUE (challenge_id, member_id)"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_table(_without_old_unique)
    else:
        op.drop_constraint(OLD_UNIQUE, TABLE, type_="unique")
    _create_live_index()


def downgrade():
    # fails, as it must, while a member holds two enrollments in one challenge
    op.drop_index(LIVE_INDEX, table_name=TABLE)
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_table(_with_old_unique)
    else:
        op.create_unique_constraint(OLD_UNIQUE, TABLE, ["challenge_id", "member_id"])


def _create_live_index():
    condition = sa.text(LIVE_CONDITION)
    op.create_index(
        LIVE_INDEX,
        TABLE,
        ["challenge_id", "member_id"],
        unique=True,
        sqlite_where=condition,
        postgresql_where=condition,
    )


def _without_old_unique(create_sql: str) -> str:
    lines = create_sql.split("\n")
    kept = [line for line in lines if line.strip().rstrip(",") != OLD_UNIQUE_SQL]
    if len(kept) != len(lines) - 1:
        raise RuntimeError(f"{TABLE}: {OLD_UNIQUE} not found as 0003 wrote it:\n{create_sql}")
    # the constraint may have been the last line before ")": no comma may dangle
    body, closing = "\n".join(kept[:-1]).rstrip().rstrip(","), kept[-1]
    return f"{body}\n{closing}"


def _with_old_unique(create_sql: str) -> str:
    body, _, closing = create_sql.rstrip().rpartition(")")
    return f"{body.rstrip()}, \n\t{OLD_UNIQUE_SQL}\n){closing}"


def _rebuild_sqlite_table(edit) -> None:
    """SQLite's own recipe for changing a table's constraints (sqlite.org/lang_altertable.html):
    copy the rows aside, drop the table (its indexes go with it), create it from its edited SQL,
    put the rows back, recreate its indexes, and check every reference before the commit."""
    bind = op.get_bind()
    create_sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": TABLE}
    ).scalar_one()
    indexes = (
        bind.execute(
            sa.text(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :name AND sql IS NOT NULL"
            ),
            {"name": TABLE},
        )
        .scalars()
        .all()
    )
    copy = f"_{TABLE}_copy_0011"
    with _foreign_keys_off(bind):
        bind.exec_driver_sql(f"CREATE TABLE {copy} AS SELECT * FROM {TABLE}")
        bind.exec_driver_sql(f"DROP TABLE {TABLE}")
        bind.exec_driver_sql(edit(create_sql))
        bind.exec_driver_sql(f"INSERT INTO {TABLE} SELECT * FROM {copy}")
        bind.exec_driver_sql(f"DROP TABLE {copy}")
        for index_sql in indexes:
            bind.exec_driver_sql(index_sql)
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"{TABLE}: the rebuild would break references: {broken[:10]}")


@contextmanager
def _foreign_keys_off(bind):
    """Foreign keys off around ``with``, in a transaction of its own.

    With them on, dropping enrollments deletes its rows first, and the check-ins, rest days and
    referee log lines that reference them go too (ON DELETE CASCADE). SQLite changes
    ``foreign_keys`` only outside a transaction, so the run's transaction is committed first (the
    revisions before this one are done) and a new one is open again afterwards for Alembic to
    finish. The app's engine leaves transactions to explicit BEGIN and COMMIT (habits/database.py),
    so these statements are the transaction.
    """
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys = OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        raise
    else:
        bind.exec_driver_sql("COMMIT")
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys = ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")
