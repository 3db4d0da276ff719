"""Payouts: winnings a member asked the operator to pay out, and the audit log of every decision.

The ledger says how much moved (``books.payout_key``); these rows say who asked, where to, who
decided what, when and why (SPEC: "approvals ... are kept in an audit log").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from habits.domain.payouts import PayoutAction, PayoutStatus
from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class Payout(Base):
    __tablename__ = "payouts"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: ISO 4217, upper case
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    #: where the member wants it (an account, a payment app id), as they wrote it
    destination: Mapped[str] = mapped_column(String(500))
    status: Mapped[PayoutStatus] = mapped_column(
        enum_column(PayoutStatus), default=PayoutStatus.REQUESTED, index=True
    )
    #: why it was refused (or the approver's note)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the operator's reference of the money sent (a bank or payment app transfer id)
    reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: approved or refused: when, and by which site administrator
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)


class PayoutEvent(Base):
    """One line of the audit log: who did what to a payout, when and why. Each action happens
    at most once per payout (the unique key), so a retried decision writes no second line."""

    __tablename__ = "payout_events"
    __table_args__ = (UniqueConstraint("payout_id", "action"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payouts.id"), index=True)
    action: Mapped[PayoutAction] = mapped_column(enum_column(PayoutAction))
    #: the member who asked, or the site administrator who decided
    actor_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    #: the ledger transaction the action posted, if it moved money
    ledger_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
