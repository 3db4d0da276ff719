"""The referee log: every void, appeal and excuse in a challenge, with who, when and why.

SPEC: "Every void, appeal and excuse is visible to the challenge's participants, with who did
it, when and why." The check-in and excused-day rows say what holds *now* (an appeal reinstating
a voided check-in clears the void on the row); this log keeps what *happened*, one row per
decision, written in the same transaction as the decision and never changed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class RefereeKind(StrEnum):
    VOID = "void"  # an organizer voided a check-in: it counts as a miss
    APPEAL = "appeal"  # an organizer accepted an appeal and recorded a check-in
    EXCUSE = "excuse"  # a day was excused (by an organizer, or by the service for its outage)
    APPEAL_REFUSED = "appeal_refused"  # an organizer refused a member's appeal request


class RefereeLogEntry(Base):
    __tablename__ = "referee_log"
    __table_args__ = (
        # the log is read per challenge, newest first
        Index("ix_referee_log_challenge_acted", "challenge_id", "acted_at", "id"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    kind: Mapped[RefereeKind] = mapped_column(enum_column(RefereeKind))
    day_index: Mapped[int] = mapped_column(Integer)
    #: the enrollment whose check-in was voided or recorded, or whose appeal was refused (None for
    #: an excused day)
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), nullable=True
    )
    check_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("check_ins.id", ondelete="CASCADE"), nullable=True
    )
    #: the organizer who decided; None when the service excused a day for its own outage
    referee_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    acted_at: Mapped[datetime] = mapped_column(UTCDateTime())
