"""What /healthz reports about the scheduler: its last sweep and how far behind it is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from habits.models.system import Heartbeat


def scheduler_status(session: Session, *, now: datetime) -> dict:
    last = session.scalar(select(func.max(Heartbeat.minute_at)))
    return {"last_sweep_at": last.isoformat().replace("+00:00", "Z") if last else None}
