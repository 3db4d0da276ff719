"""create heartbeats: the per-minute pulse that proves when the service was up

Revision ID: 0001
Revises:
Create Date: 2026-11-25 11:42:42.716966

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "heartbeats",
        sa.Column("minute_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("minute_at", name=op.f("pk_heartbeats")),
    )


def downgrade():
    op.drop_table("heartbeats")
