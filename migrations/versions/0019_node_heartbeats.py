"""node heartbeats: each node's last beat by role (web nodes now write the minute heartbeats)

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-12 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "node_heartbeats",
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_days", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("node", "role", name=op.f("pk_node_heartbeats")),
    )


def downgrade():
    op.drop_table("node_heartbeats")
