"""community health: a community's time zone and alert threshold, when a membership ended, and
the aggregates the health dashboard reads

``communities.timezone`` is set for existing communities from their organizer's zone (the
default for new ones too); ``health_alert_bps`` NULL is no alert. ``community_memberships.left_at``
is NULL for memberships that ended before this revision (the figures count them as ended since
always). ``community_daily_health`` and ``community_cohort_weeks`` are filled by the scheduler's
health refresh (squad_id 0: the whole community), ``community_health_refresh`` is each
community's refresh claim, ``community_health_alerts`` one row per alert episode told.

Revision ID: 0022
Revises: 0016
Create Date: 2026-12-06 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0025"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def _community_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["community_id"],
        ["communities.id"],
        name=op.f(f"fk_{table}_community_id_communities"),
        ondelete="CASCADE",
    )


def upgrade():
    op.add_column(
        "communities", sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False)
    )
    op.add_column("communities", sa.Column("health_alert_bps", sa.Integer(), nullable=True))
    op.add_column("community_memberships", sa.Column("left_at", UTC_DATETIME, nullable=True))
    op.execute(
        "UPDATE communities SET timezone = "
        "(SELECT members.timezone FROM members WHERE members.id = communities.organizer_id) "
        "WHERE EXISTS (SELECT 1 FROM members WHERE members.id = communities.organizer_id "
        "AND members.timezone IS NOT NULL)"
    )
    op.create_table(
        "community_daily_health",
        sa.Column("community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("squad_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("joined", sa.Integer(), nullable=False),
        sa.Column("cohort7_joined", sa.Integer(), nullable=False),
        sa.Column("cohort7_kept", sa.Integer(), nullable=False),
        sa.Column("cohort30_joined", sa.Integer(), nullable=False),
        sa.Column("cohort30_kept", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", UTC_DATETIME, nullable=False),
        _community_fk("community_daily_health"),
        sa.PrimaryKeyConstraint("community_id", "squad_id", "day", name=op.f("pk_community_daily_health")),
    )
    op.create_table(
        "community_cohort_weeks",
        sa.Column("community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("squad_id", sa.BigInteger(), nullable=False),
        sa.Column("cohort_week", sa.Date(), nullable=False),
        sa.Column("week_offset", sa.Integer(), nullable=False),
        sa.Column("cohort_size", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", UTC_DATETIME, nullable=False),
        _community_fk("community_cohort_weeks"),
        sa.PrimaryKeyConstraint(
            "community_id", "squad_id", "cohort_week", "week_offset", name=op.f("pk_community_cohort_weeks")
        ),
    )
    op.create_table(
        "community_health_refresh",
        sa.Column("community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("refreshed_through", sa.Date(), nullable=True),
        sa.Column("refreshed_at", UTC_DATETIME, nullable=True),
        sa.Column("claimed_until", UTC_DATETIME, nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        _community_fk("community_health_refresh"),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_community_health_refresh")),
    )
    op.create_table(
        "community_health_alerts",
        sa.Column("community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("squad_id", sa.BigInteger(), nullable=False),
        sa.Column("episode_start", sa.Date(), nullable=False),
        sa.Column("fired_on", sa.Date(), nullable=False),
        sa.Column("threshold_bps", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        _community_fk("community_health_alerts"),
        sa.PrimaryKeyConstraint(
            "community_id", "squad_id", "episode_start", name=op.f("pk_community_health_alerts")
        ),
    )


def downgrade():
    op.drop_table("community_health_alerts")
    op.drop_table("community_health_refresh")
    op.drop_table("community_cohort_weeks")
    op.drop_table("community_daily_health")
    _drop_column("community_memberships", "left_at")
    _drop_column("communities", "health_alert_bps")
    _drop_column("communities", "timezone")


def _drop_column(table: str, column: str) -> None:
    """SQLite (3.35+) drops a column in place; a batch would copy the table, and dropping the old
    copy of ``communities`` cascades to every membership that refers to it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)
