"""badges: what each member earned, once per (member, kind, scope)

No foreign keys, as for notifications: a settled day inserts up to one badge per member at once.

Revision ID: 0024
Revises: 0016
Create Date: 2026-12-06 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0021"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NOW = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "badges",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("challenge_id", ID, nullable=False),
        sa.Column("day_index", sa.Integer(), nullable=True),
        sa.Column("awarded_at", NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badges")),
        sa.UniqueConstraint("member_id", "kind", "scope", name=op.f("uq_badges_member_id_kind_scope")),
    )
    op.create_index("ix_badges_challenge_day", "badges", ["challenge_id", "day_index"], unique=False)


def downgrade():
    op.drop_table("badges")
