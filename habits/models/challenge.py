"""Challenges: one dated run inside a community, with the rules of SPEC.md."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from habits.domain.calendar import Schedule
from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class Split(StrEnum):
    EQUAL = "equal"
    RANDOM = "random"


class ChallengeStatus(StrEnum):
    ENROLLING = "enrolling"  # before day 0's window opens
    RUNNING = "running"
    COMPLETED = "completed"  # day N-1 settled
    CANCELLED = "cancelled"  # too few participants at day 0


class Challenge(Base):
    __tablename__ = "challenges"
    __table_args__ = (
        CheckConstraint("days BETWEEN 1 AND 366", name="days_range"),
        CheckConstraint("deposit_minor >= days", name="deposit_covers_days"),
        CheckConstraint("fee_bps BETWEEN 0 AND 10000", name="fee_bps_range"),
        CheckConstraint(
            "open_minute >= 0 AND open_minute < close_minute AND close_minute <= 1440", name="window"
        ),
        CheckConstraint("max_misses >= 0", name="max_misses_non_negative"),
        CheckConstraint("min_participants >= 1", name="min_participants_positive"),
        CheckConstraint("settled_days BETWEEN 0 AND days", name="settled_days_range"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    #: IANA zone whose rules (DST included) turn local windows into UTC instants
    timezone: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    #: the daily window as minutes after local midnight; close 1440 means "24:00"
    open_minute: Mapped[int] = mapped_column(Integer)
    close_minute: Mapped[int] = mapped_column(Integer)
    deposit_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    max_misses: Mapped[int] = mapped_column(Integer, default=0)
    min_participants: Mapped[int] = mapped_column(Integer, default=1)
    fee_bps: Mapped[int] = mapped_column(Integer, default=0)
    split: Mapped[Split] = mapped_column(enum_column(Split), default=Split.EQUAL)
    review_minutes: Mapped[int] = mapped_column(Integer, default=10)
    #: how many rest days each member may declare in this challenge
    rest_days: Mapped[int] = mapped_column(Integer, default=0)
    #: a day whose window saw more than this many minutes of our own downtime is excused
    outage_minutes: Mapped[int] = mapped_column(Integer, default=10)
    #: evidence the challenge asks for
    requires_photo: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_code_word: Mapped[bool] = mapped_column(Boolean, default=False)
    #: secret the daily code word is derived from (never shown)
    code_word_secret: Mapped[str] = mapped_column(String(64))
    #: what the number of a check-in measures ("km", "pages", "minutes"), or None
    value_label: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: the challenge's own entry quiz and registration form for enrolling (habits.domain.entry);
    #: None: none beyond the community's
    entry_quiz: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    entry_form: Mapped[list | None] = mapped_column(JSON, nullable=True)

    #: members per squad (0: no squads); they are placed when day 0's window opens
    squad_size: Mapped[int] = mapped_column(Integer, server_default="0")
    #: a short (1 to 3 days) challenge anyone who sees the community may join
    flash: Mapped[bool] = mapped_column(Boolean, server_default=false())
    #: a flash challenge leaves lists once its last day is settled (its link keeps working)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    status: Mapped[ChallengeStatus] = mapped_column(
        enum_column(ChallengeStatus), default=ChallengeStatus.ENROLLING
    )
    #: UTC instant day 0's window opens: enrollment closes, money rules freeze
    day_zero_opens_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    #: days 0 .. settled_days-1 are settled; the sweep settles day `settled_days` next
    settled_days: Mapped[int] = mapped_column(Integer, default=0)
    #: when the next unsettled day becomes due (None once completed or cancelled): the sweep's index
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def schedule(self) -> Schedule:
        return Schedule(self.timezone, self.start_date, self.days, self.open_minute, self.close_minute)


class ExcusedDay(Base):
    """A day on which nothing is forfeited: excused by an organizer, or by our own outage."""

    __tablename__ = "excused_days"
    __table_args__ = (UniqueConstraint("challenge_id", "day_index"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    day_index: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    #: the organizer who excused it; None when the service excused it for its own outage
    excused_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
