"""squads (groups inside a challenge, their current members and history) and flash challenges

``challenges`` gains ``squad_size`` (0: no squads), ``flash`` and ``archived_at`` (a flash
challenge leaves lists once its last day is settled). ``squad_members`` holds each enrollment's
current squad, unique per (challenge, enrollment); ``squad_changes`` and ``squad_moves`` keep
every placement and regrouping.

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-06 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0022"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NOW = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade():
    # plain ADD COLUMN: a batch copy of challenges would cascade to the tables that refer to it
    op.add_column("challenges", sa.Column("squad_size", sa.Integer(), server_default="0", nullable=False))
    op.add_column("challenges", sa.Column("flash", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("challenges", sa.Column("archived_at", NOW, nullable=True))

    op.create_table(
        "squads",
        sa.Column("id", ID, nullable=False),
        sa.Column("challenge_id", ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("dissolved_at", NOW, nullable=True),
        _fk("squads", "challenge_id", "challenges", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_squads")),
        sa.UniqueConstraint("challenge_id", "number", name=op.f("uq_squads_challenge_id_number")),
    )
    op.create_table(
        "squad_members",
        sa.Column("id", ID, nullable=False),
        sa.Column("challenge_id", ID, nullable=False),
        sa.Column("enrollment_id", ID, nullable=False),
        sa.Column("squad_id", ID, nullable=False),
        _fk("squad_members", "enrollment_id", "enrollments"),
        _fk("squad_members", "squad_id", "squads"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_squad_members")),
        sa.UniqueConstraint(
            "challenge_id", "enrollment_id", name=op.f("uq_squad_members_challenge_id_enrollment_id")
        ),
    )
    op.create_index("ix_squad_members_squad", "squad_members", ["squad_id", "enrollment_id"], unique=False)
    op.create_table(
        "squad_changes",
        sa.Column("id", ID, nullable=False),
        sa.Column("challenge_id", ID, nullable=False),
        sa.Column("strategy", sa.String(length=16), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("squads_after", sa.Integer(), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        _fk("squad_changes", "challenge_id", "challenges", "CASCADE"),
        _fk("squad_changes", "actor_id", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_squad_changes")),
    )
    op.create_index("ix_squad_changes_challenge", "squad_changes", ["challenge_id", "id"], unique=False)
    op.create_table(
        "squad_moves",
        sa.Column("id", ID, nullable=False),
        sa.Column("change_id", ID, nullable=False),
        sa.Column("enrollment_id", ID, nullable=False),
        sa.Column("from_squad_id", ID, nullable=True),
        sa.Column("to_squad_id", ID, nullable=False),
        _fk("squad_moves", "change_id", "squad_changes", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_squad_moves")),
    )
    op.create_index("ix_squad_moves_change", "squad_moves", ["change_id", "enrollment_id"], unique=False)


def downgrade():
    op.drop_index("ix_squad_moves_change", table_name="squad_moves")
    op.drop_table("squad_moves")
    op.drop_index("ix_squad_changes_challenge", table_name="squad_changes")
    op.drop_table("squad_changes")
    op.drop_index("ix_squad_members_squad", table_name="squad_members")
    op.drop_table("squad_members")
    op.drop_table("squads")
    for column in ("archived_at", "flash", "squad_size"):
        _drop_column("challenges", column)


def _drop_column(table: str, column: str) -> None:
    """SQLite (3.35+) drops a column in place; a batch would copy the table others reference."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)
