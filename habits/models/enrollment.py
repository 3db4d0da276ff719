"""Enrollments: one member in one challenge, and the status machine of SPEC.md."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from habits.domain.lifecycle import LIVE, EnrollmentStatus
from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime

#: SPEC: at most one enrollment per member and challenge is live (not terminal); a member who left
#: before day 0 joins again with a new one. Both SQLite and PostgreSQL hold it as a partial unique
#: index over the live statuses (migration 0011 writes the same condition).
LIVE_CONDITION = text("status IN (" + ", ".join(f"'{status.value}'" for status in sorted(LIVE)) + ")")


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        Index(
            "uq_enrollments_live_challenge_member",
            "challenge_id",
            "member_id",
            unique=True,
            sqlite_where=LIVE_CONDITION,
            postgresql_where=LIVE_CONDITION,
        ),
        CheckConstraint("misses >= 0", name="misses_non_negative"),
        # the settlement sweep reads a challenge's enrollments by status
        Index("ix_enrollments_challenge_status", "challenge_id", "status"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[EnrollmentStatus] = mapped_column(
        enum_column(EnrollmentStatus), default=EnrollmentStatus.PENDING_PAYMENT
    )
    misses: Mapped[int] = mapped_column(Integer, default=0)
    #: the member's streak in the challenge as of its last settled day, and the best so far
    #: (SPEC, "Streaks, rank and levels"; habits.domain.streaks.challenge_streak): kept by each
    #: day's settlement (settlement/outcomes.py ``update_streaks``) so badges read one row a member
    #: (the database's default only: an insert names neither, so the migrations' tests that write
    #: rows as of older revisions with this table still can)
    streak: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    best_streak: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    #: the challenge's deposit and currency when this member joined (rules freeze at day 0)
    deposit_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    rest_days_used: Mapped[int] = mapped_column(Integer, default=0)
    paid_from_wallet: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the Stripe PaymentIntent for the deposit (None when paid from the wallet)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    #: why the last payment attempt failed, shown to the member
    payment_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: ledger accounts, denormalised so settling a day is one set-based statement
    held_account_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    wallet_account_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: when the member asked to quit (withdrawn), settled at the next day
    withdrew_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: the day index on which the enrollment was eliminated, completed or withdrawn-settled
    ended_day_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
