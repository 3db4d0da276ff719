"""Community health: the daily figures and cohort cells kept up to date set-based, the refresh
claim of each community, and the alerts already sent (SPEC, "Community health figures").

The dashboard reads these small tables, never every check-in (habits.services.community_health).
``squad_id`` 0 is the whole community; squads (another change) add their own rows under their
squad's id in the same tables, which is why it is part of every key and carries no foreign key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ledger.base import Base, UTCDateTime

#: ``squad_id`` of the rows that count the whole community
WHOLE_COMMUNITY = 0


class CommunityDailyHealth(Base):
    """One community (or squad) on one local date ``day`` of the community's zone."""

    __tablename__ = "community_daily_health"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    squad_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=WHOLE_COMMUNITY)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: memberships active at the end of ``day``
    members: Mapped[int] = mapped_column(Integer, default=0)
    #: of those, the ones with a valid check-in on ``day``
    active: Mapped[int] = mapped_column(Integer, default=0)
    #: memberships that began on ``day`` (left since or not)
    joined: Mapped[int] = mapped_column(Integer, default=0)
    #: the cohort that joined 7 (30) days before ``day``, and how many of it checked in during
    #: the 7 days ending on ``day``: survival(d) sums these over every date up to d
    cohort7_joined: Mapped[int] = mapped_column(Integer, default=0)
    cohort7_kept: Mapped[int] = mapped_column(Integer, default=0)
    cohort30_joined: Mapped[int] = mapped_column(Integer, default=0)
    cohort30_kept: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CommunityCohortWeek(Base):
    """Retention by join week: of the members who joined in the local week ``cohort_week``
    (a Monday), how many checked in during the week ``week_offset`` weeks later."""

    __tablename__ = "community_cohort_weeks"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    squad_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=WHOLE_COMMUNITY)
    cohort_week: Mapped[date] = mapped_column(Date, primary_key=True)
    week_offset: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_size: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HealthRefresh(Base):
    """A community's refresh state, and the claim a scheduler holds while it refreshes it (so two
    scheduler processes never do the same community's work at once)."""

    __tablename__ = "community_health_refresh"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    #: the latest local date refreshed (None: never); dates before it are final
    refreshed_through: Mapped[date | None] = mapped_column(Date, nullable=True)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)


class HealthAlert(Base):
    """One episode of a community (or squad) below its active-share threshold, told once: the
    key is the episode's first date."""

    __tablename__ = "community_health_alerts"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    squad_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=WHOLE_COMMUNITY)
    episode_start: Mapped[date] = mapped_column(Date, primary_key=True)
    #: the second date below, when the alert fired
    fired_on: Mapped[date] = mapped_column(Date)
    threshold_bps: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
