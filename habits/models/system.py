"""The service's own pulse: one row per minute it was up and sweeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from ledger.base import Base, UTCDateTime


class Heartbeat(Base):
    """Written every minute by the scheduler while the service serves.

    Gaps are how we prove an outage, so a day the service missed can be excused (SPEC: members
    never pay for our outage).
    """

    __tablename__ = "heartbeats"

    #: the UTC minute (seconds zeroed); one row per minute however many runners beat
    minute_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    #: days settled by the sweep that ran in this minute
    settled_days: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
