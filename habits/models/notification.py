"""In-app notifications, the devices they are pushed to, and the deliveries waiting to go out.

A use case records what happened as a ``Notification`` in its own transaction (one row per
recipient and event; ``dedupe_key`` is unique, so an event that two paths report, or one path
twice, is recorded once). For kinds that are pushed, the same transaction queues one
``PushDelivery`` per device of the recipient (``PushSubscription``); the scheduler's push relay
claims and sends them (``habits.services.notifications.push_relay``). ``NotificationDigest``
claims a member's daily e-mail digest, once per member and local date.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # a member's list, newest first, and its unread count
        Index("ix_notifications_recipient_id_id", "recipient_id", "id"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    #: the member told. No foreign key, on purpose: a settled day writes a notification for each
    #: of up to a million enrollments in one INSERT, and a key check takes a lock on every member
    #: row (a third of that insert's time, bench/settle_notices.py). Members are never deleted
    #: while anything of theirs remains (their enrollments point at them without a cascade); a
    #: member's erasure deletes their notifications with the rest of their personal data.
    recipient_id: Mapped[int] = mapped_column(ID)
    #: what happened (``habits.services.notifications.kinds.KINDS``: its text, push, digest)
    kind: Mapped[str] = mapped_column(String(40))
    #: the facts the text is written from, as JSON (amounts in minor units, instants RFC 3339)
    params: Mapped[dict] = mapped_column(JSON)
    #: one event, one notification: ``<kind or source>:<ids>`` (e.g. ``settled:{enrollment}:{day}``)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PushSubscription(Base):
    """One browser (device) of a member that agreed to Web Push: where to send and its keys."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    #: the push service's URL for this browser (unique: a browser subscribes once)
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    #: the browser's P-256 public key and auth secret, base64url (RFC 8291)
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PushStatus(StrEnum):
    QUEUED = "queued"  # waiting for its next attempt (``next_attempt_at``)
    SENDING = "sending"  # claimed by one relay (``claim_token``); reclaimable after the lease
    SENT = "sent"  # the push service accepted it
    FAILED = "failed"  # refused for good, or out of attempts
    SKIPPED = "skipped"  # no longer worth sending (a reminder for a day checked in or closed)


class PushDelivery(Base):
    __tablename__ = "push_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "subscription_id"),
        Index("ix_push_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    #: the device; its deliveries go with it when it is removed (expired, unsubscribed)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[PushStatus] = mapped_column(enum_column(PushStatus, length=16), default=PushStatus.QUEUED)
    #: attempts started (counted when claimed, so a relay that dies mid-send also counts)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class NotificationDigest(Base):
    """A member's daily e-mail digest for one local date, claimed by the job that writes it."""

    __tablename__ = "notification_digests"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    #: the date, in the member's zone, the digest was written on
    digest_date: Mapped[date] = mapped_column(Date, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
