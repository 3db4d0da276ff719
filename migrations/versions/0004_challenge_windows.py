"""challenge_windows: each challenge's daily windows in UTC, so a check-in finds its day in SQL

Existing challenges get their windows computed by the domain (habits.domain.calendar), the same
code that writes them for new ones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 16:00:00

"""

from datetime import date

import sqlalchemy as sa
from alembic import op

import ledger.base  # noqa: F401  (UTCDateTime columns)
from habits.domain.calendar import Schedule
from habits.models.window import window_rows

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    windows = op.create_table(
        "challenge_windows",
        sa.Column("challenge_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("opens_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_windows_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("challenge_id", "day_index", name=op.f("pk_challenge_windows")),
    )
    with op.batch_alter_table("challenge_windows", schema=None) as batch_op:
        batch_op.create_index("ix_challenge_windows_opens", ["challenge_id", "opens_at"], unique=False)

    connection = op.get_bind()
    challenges = connection.execute(
        sa.text("SELECT id, timezone, start_date, days, open_minute, close_minute FROM challenges")
    ).all()
    for challenge_id, timezone, start_date, days, open_minute, close_minute in challenges:
        if isinstance(start_date, str):  # SQLite hands dates back as text
            start_date = date.fromisoformat(start_date)
        schedule = Schedule(timezone, start_date, days, open_minute, close_minute)
        op.bulk_insert(windows, window_rows(challenge_id, schedule))


def downgrade():
    with op.batch_alter_table("challenge_windows", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_windows_opens")

    op.drop_table("challenge_windows")
