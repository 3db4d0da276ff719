"""terms and account deletion: published terms, who accepted which version, deleted members

``terms_versions`` holds every version of the terms the operator published (the newest is the
one to accept); ``terms_acceptances`` one row per member and version accepted; ``members.deleted_at``
marks a member who deleted their account (the row stays, anonymised: ledger codes name its id).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "terms_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["members.id"], name=op.f("fk_terms_versions_published_by_id_members")
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_terms_versions")),
    )
    op.create_table(
        "terms_acceptances",
        sa.Column("member_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_terms_acceptances_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["version"], ["terms_versions.version"], name=op.f("fk_terms_acceptances_version_terms_versions")
        ),
        sa.PrimaryKeyConstraint("member_id", "version", name=op.f("pk_terms_acceptances")),
    )
    # a plain ALTER TABLE ADD COLUMN (also on SQLite): a batch would copy the members table,
    # which every other table references
    op.add_column("members", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    _drop_column("members", "deleted_at")
    op.drop_table("terms_acceptances")
    op.drop_table("terms_versions")


def _drop_column(table: str, column: str) -> None:
    """SQLite (3.35+) drops a column in place; a batch would copy the table, which fails on
    members while other tables' rows reference it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)
