"""Money that crosses the processor boundary: the webhook inbox, payments, refunds, withdrawals, disputes.

The ledger says *how much* moved; these rows say *which Stripe object* it was, so reconciliation
can match every processor id to exactly one ledger transaction in both directions, and so a
withdrawal knows which charges it may still refund.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class EventStatus(StrEnum):
    PROCESSING = "processing"  # stored, handler running (or the process died mid-way)
    PROCESSED = "processed"  # the handler ran; a replay answers 200 and changes nothing
    IGNORED = "ignored"  # a type we do not handle, recorded and acknowledged
    REJECTED = "rejected"  # verified but unusable (no enrollment, wrong shape): kept for a human
    WAITING = "waiting"  # arrived before the object it depends on; Stripe's retry runs it again
    FAILED = "failed"  # the handler raised; Stripe's retry runs it again


#: statuses a redelivery must run again
RETRYABLE_EVENT_STATUSES = frozenset({EventStatus.PROCESSING, EventStatus.WAITING, EventStatus.FAILED})


class StripeEvent(Base):
    """The webhook inbox: one row per Stripe event id, whatever happens to its handling."""

    __tablename__ = "stripe_events"

    #: Stripe's ``evt_...`` id; the primary key is what makes a replay a no-op
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100), index=True)
    #: the event's own ``created`` instant (Stripe's clock, signed with the payload)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    livemode: Mapped[bool] = mapped_column(default=False)
    #: the verified event as delivered (parsed JSON)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[EventStatus] = mapped_column(enum_column(EventStatus), default=EventStatus.PROCESSING)
    #: why the last attempt failed, was rejected or is waiting (None once processed)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: how many deliveries ran the handler
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class PaymentUse(StrEnum):
    DEPOSIT = "deposit"  # funded the enrollment's held deposit
    WALLET = "wallet"  # arrived for an enrollment no longer payable (or not matching): credited to the wallet


class Payment(Base):
    """A confirmed charge at the processor (a succeeded PaymentIntent), recorded exactly once."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        Index("ix_payments_member_currency", "member_id", "currency"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    payment_intent_id: Mapped[str] = mapped_column(String(255), unique=True)
    #: the charge refunds and disputes point at (``ch_...``); None when the event did not carry it
    charge_id: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    #: ISO 4217, upper case (Stripe sends lower case)
    currency: Mapped[str] = mapped_column(String(3))
    used_for: Mapped[PaymentUse] = mapped_column(enum_column(PaymentUse))
    #: the ledger transaction that brought it in (``deposit:{enrollment}`` or ``stripe-late:{pi}``)
    ledger_key: Mapped[str] = mapped_column(String(255), unique=True)
    #: why it went to the wallet instead of the deposit, as the member is told
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    event_id: Mapped[str] = mapped_column(String(255))
    #: Stripe's clock when the payment succeeded (orders charges newest first for refunds)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RefundStatus(StrEnum):
    REQUESTED = "requested"  # booked (wallet -> refunds pending), not yet sent to the processor
    PENDING = "pending"  # the processor accepted it; waiting for completion
    SUCCEEDED = "succeeded"  # money left processor cash
    FAILED = "failed"  # came back: the amount is in the wallet again


#: refunds that still count against a charge's refundable amount
LIVE_REFUND_STATUSES = frozenset({RefundStatus.REQUESTED, RefundStatus.PENDING, RefundStatus.SUCCEEDED})


class Refund(Base):
    """Money on its way back to a card: one row per (withdrawal, charge), or one per refund
    made outside Streakpot (the Stripe dashboard) that a webhook told us about."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    #: our idempotency key, also sent to the processor: ``withdrawal:{withdrawal_id}:{charge}``
    key: Mapped[str] = mapped_column(String(255), unique=True)
    #: the processor's ``re_...`` id once it answered
    refund_id: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    withdrawal_id: Mapped[int | None] = mapped_column(ForeignKey("withdrawals.id"), nullable=True, index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[RefundStatus] = mapped_column(enum_column(RefundStatus), default=RefundStatus.REQUESTED)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Withdrawal(Base):
    """A member's request to take money out of the wallet, and what became of it."""

    __tablename__ = "withdrawals"
    __table_args__ = (
        CheckConstraint("requested_minor > 0", name="requested_positive"),
        CheckConstraint("refunded_minor + kept_minor = requested_minor", name="all_accounted"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    requested_minor: Mapped[int] = mapped_column(BigInteger)
    #: the part sent back to cards (as refunds of earlier deposit charges)
    refunded_minor: Mapped[int] = mapped_column(BigInteger)
    #: the part no charge could take back: it stays in the wallet
    kept_minor: Mapped[int] = mapped_column(BigInteger)
    #: what the member is told about the kept part, or None when everything was refunded
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DisputeStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Dispute(Base):
    """A card dispute (chargeback) on one of our charges."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    #: Stripe's ``dp_...`` id
    dispute_id: Mapped[str] = mapped_column(String(255), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: what moved into ``frozen:enrollment:{id}`` when it opened (the held deposit, at most amount)
    frozen_minor: Mapped[int] = mapped_column(BigInteger)
    #: where the frozen money came from: "held" (the deposit) or "wallet" (a payment kept there)
    frozen_from: Mapped[str] = mapped_column(String(16), default="held")
    status: Mapped[DisputeStatus] = mapped_column(enum_column(DisputeStatus), default=DisputeStatus.OPEN)
    reason: Mapped[str | None] = mapped_column(String(100), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
