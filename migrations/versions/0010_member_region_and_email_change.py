"""members.region and one_time_links.new_email: the reader's formats, and changing one's address

``members.region`` is the region dates and numbers are written for (``GB``, ``DE``...); NULL, the
value of every existing member, means "the browser's" (its Accept-Language). A link of the new
purpose ``change_email`` is mailed to ``new_email``, which becomes the member's address when the
link is followed; ``email`` stays the address the member had when asking, so the link dies if
that address changes first. Other links leave ``new_email`` NULL.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region", sa.String(length=2), nullable=True))

    with op.batch_alter_table("one_time_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("new_email", sa.String(length=254), nullable=True))


def downgrade():
    _drop_column("one_time_links", "new_email")
    _drop_column("members", "region")


def _drop_column(table: str, column: str) -> None:
    """SQLite (3.35+) drops a column in place; a batch would copy the table, which fails on
    members while other tables' rows reference it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)
