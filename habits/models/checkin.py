"""Check-ins and rest days: what each enrollment did on each challenge day."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class CheckInSource(StrEnum):
    MEMBER = "member"  # the member tapped within the window
    APPEAL = "appeal"  # an organizer accepted an appeal and recorded it


class CheckIn(Base):
    __tablename__ = "check_ins"
    __table_args__ = (
        # exactly one check-in per enrollment and day, whatever races happen
        UniqueConstraint("enrollment_id", "day_index"),
        # settlement reads a (challenge, day) at once
        Index("ix_check_ins_challenge_day", "challenge_id", "day_index"),
        # the feed's keyset: newest first within a challenge, (checked_in_at, id) as the cursor
        Index("ix_check_ins_feed", "challenge_id", "checked_in_at", "id"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    #: denormalised from the enrollment so a day is read without a join
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    day_index: Mapped[int] = mapped_column(Integer)
    #: the server's clock when it was recorded; the client's clock is never trusted
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: km, pages, minutes... as the challenge's value_label says
    value: Mapped[float | None] = mapped_column(Numeric(12, 3, asdecimal=False), nullable=True)
    #: path under instance/photos (never served with a guessed type)
    photo_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    photo_content_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: only its owner and the organizers see a private photo (the challenge's participants see others)
    photo_private: Mapped[bool] = mapped_column(Boolean, server_default=false())
    source: Mapped[CheckInSource] = mapped_column(enum_column(CheckInSource), default=CheckInSource.MEMBER)
    #: False for eliminated or withdrawn members: counts for streaks and the feed, never for money
    counts_for_money: Mapped[bool] = mapped_column(Boolean, default=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    appeal_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class RestDay(Base):
    """A day an active member declared, before its window opened, as a rest day."""

    __tablename__ = "rest_days"
    __table_args__ = (UniqueConstraint("enrollment_id", "day_index"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    day_index: Mapped[int] = mapped_column(Integer)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())
