"""Each challenge's daily windows in UTC, as rows: the check-in decides its day in SQL with them.

The domain (``calendar.day_window``) stays the one place that turns a challenge's zone and
local window into instants; this table only stores what it computed, so the wake-up tap can
find its day, authenticate and insert in a single statement (services/checkins/tap.py). The rows
are rewritten inside the same flush whenever a challenge is inserted or its schedule changes
through the ORM (the listeners below), so they cannot drift from the challenge's columns.
Rows written by Core bulk inserts must call ``store_windows`` themselves; a challenge without
rows still checks in correctly, through the slower path that computes the windows in Python.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, ForeignKey, Index, Integer, delete, event, insert, inspect
from sqlalchemy.orm import Mapped, mapped_column

from habits.domain.calendar import Schedule, day_window
from habits.models.challenge import Challenge
from ledger.base import Base, UTCDateTime

#: the columns a challenge's windows are computed from
SCHEDULE_FIELDS = ("timezone", "start_date", "days", "open_minute", "close_minute")


class ChallengeWindow(Base):
    __tablename__ = "challenge_windows"
    __table_args__ = (Index("ix_challenge_windows_opens", "challenge_id", "opens_at"),)

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    day_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: the window [opens_at, closes_at) of day ``day_index``, UTC
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())


def window_rows(challenge_id: int, schedule: Schedule) -> list[dict]:
    rows = []
    for k in range(schedule.days):
        opens_at, closes_at = day_window(schedule, k)
        rows.append(
            {"challenge_id": challenge_id, "day_index": k, "opens_at": opens_at, "closes_at": closes_at}
        )
    return rows


def store_windows(connection: Connection, challenge_id: int, schedule: Schedule) -> None:
    """(Re)write the windows of challenge ``challenge_id`` from ``schedule``."""
    table = ChallengeWindow.__table__
    connection.execute(delete(table).where(table.c.challenge_id == challenge_id))
    connection.execute(insert(table), window_rows(challenge_id, schedule))


@event.listens_for(Challenge, "after_insert")
def _store_windows_of_new_challenge(mapper, connection, challenge: Challenge) -> None:
    store_windows(connection, challenge.id, challenge.schedule())


@event.listens_for(Challenge, "after_update")
def _store_windows_of_changed_schedule(mapper, connection, challenge: Challenge) -> None:
    attributes = inspect(challenge).attrs
    if any(attributes[name].history.has_changes() for name in SCHEDULE_FIELDS):
        store_windows(connection, challenge.id, challenge.schedule())
