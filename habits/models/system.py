"""The service's own pulse: one row per minute it could accept check-ins, and each process's last beat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ledger.base import Base, UTCDateTime


class Heartbeat(Base):
    """Written every minute by every process that accepts check-ins (the web nodes).

    Gaps are how we prove an outage, so a day the service missed can be excused (SPEC: members
    never pay for our outage). The scheduler never writes here: a stopped scheduler while the web
    nodes serve is no outage for members, only late settlement.
    """

    __tablename__ = "heartbeats"

    #: the UTC minute (seconds zeroed); one row per minute however many nodes beat
    minute_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    #: no longer written (kept for the rows of earlier versions): the sweep's count is on its node's row
    settled_days: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class NodeHeartbeat(Base):
    """Each node's last beat, by role: how old it is tells an operator which node stopped
    (the heartbeat-age metric, /healthz's last sweep)."""

    __tablename__ = "node_heartbeats"

    #: the node's name (STREAKPOT_NODE_NAME, the host's name by default); its processes share the row
    node: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: "web" (accepts check-ins) or "scheduler" (sweeps)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: the scheduler's last sweep: how many days it settled (None for web nodes)
    settled_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
