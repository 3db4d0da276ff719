"""challenge_windows: each challenge's daily windows in UTC, so a check-in finds its day in SQL

Existing challenges get their windows computed by a frozen copy of the domain's rule as it stood
at this revision (``habits.domain.calendar.day_window``: local wall time resolved with fold=0,
24:00 is the next local midnight); a migration never imports live application code, which may
change after it. tests/test_migrations.py holds this copy equal to the domain.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 16:00:00

"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

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
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
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
        op.bulk_insert(
            windows, window_rows(challenge_id, timezone, start_date, days, open_minute, close_minute)
        )


def local_instant(zone: ZoneInfo, day: date, minute: int) -> datetime:
    if minute == 1440:
        day, minute = day + timedelta(days=1), 0
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone).astimezone(UTC)


def window_rows(challenge_id, timezone, start_date, days, open_minute, close_minute) -> list[dict]:
    zone = ZoneInfo(timezone)
    rows = []
    for k in range(days):
        local_date = start_date + timedelta(days=k)
        rows.append(
            {
                "challenge_id": challenge_id,
                "day_index": k,
                "opens_at": local_instant(zone, local_date, open_minute),
                "closes_at": local_instant(zone, local_date, close_minute),
            }
        )
    return rows


def downgrade():
    with op.batch_alter_table("challenge_windows", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_windows_opens")

    op.drop_table("challenge_windows")
