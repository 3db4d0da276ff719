"""Appeal requests: a member asks the organizers to count a day their check-in does not count for.

SPEC, "Rest days, excused days and appeals": "A member may ask for an appeal of a day (a reason,
optionally a photo) until that day is due; organizers accept or refuse it with a reason." A
request is private to its member and the organizers ("Who sees what"); the decision on it goes
to the referee log, which the challenge's participants read. At most one request per enrollment
and day waits for a decision (the partial unique index); a refused one may be followed by another.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class AppealStatus(StrEnum):
    PENDING = "pending"  # waiting for an organizer who does not play in the challenge
    ACCEPTED = "accepted"  # the check-in was recorded (habits.services.daymarks.accept_appeal)
    REFUSED = "refused"  # with the organizer's reason


#: the partial index's condition: one waiting request per enrollment and day
_PENDING = text("status = 'pending'")


class AppealRequest(Base):
    __tablename__ = "appeal_requests"
    __table_args__ = (
        Index(
            "uq_appeal_requests_one_pending",
            "enrollment_id",
            "day_index",
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        ),
        # organizers read a challenge's requests by status, oldest first
        Index("ix_appeal_requests_challenge_status", "challenge_id", "status", "asked_at", "id"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    #: denormalised from the enrollment: the organizers' list is per challenge
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    day_index: Mapped[int] = mapped_column(Integer)
    #: the member's words
    reason: Mapped[str] = mapped_column(Text)
    #: path under instance/photos, as a check-in's (re-encoded, never served with a guessed type)
    photo_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    photo_content_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[AppealStatus] = mapped_column(enum_column(AppealStatus), default=AppealStatus.PENDING)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    #: the organizer's reason (the same words the referee log shows)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the check-in an accepted request recorded (or reinstated)
    check_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("check_ins.id", ondelete="SET NULL"), nullable=True
    )
