"""Mail waiting to go out (the outbox), and the kinds of mail members asked not to get.

A use case adds an ``OutboxMail`` in its own transaction (``habits.services.mail.enqueue``):
if the use case rolls back, no mail exists. The relay (``habits.services.mail_relay``, run by
the scheduler every minute) claims due rows, sends them and records the outcome here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class MailStatus(StrEnum):
    QUEUED = "queued"  # waiting for its next attempt (``next_attempt_at``)
    SENDING = "sending"  # claimed by one relay (``claim_token``); reclaimable after the lease
    SENT = "sent"  # the mail server accepted it
    FAILED = "failed"  # refused for good, or out of attempts: kept for a human


class OutboxMail(Base):
    __tablename__ = "outbox_mails"
    __table_args__ = (Index("ix_outbox_mails_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    #: what this mail is (``password_reset``, ``verify_email`` ...): templates/mail/<kind>.*
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    #: the member it was written for (None for an address that is no member's yet)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    #: the language it was written in
    locale: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: transactional mail (a reset link, a receipt) goes to every address; any other kind carries
    #: ``list_unsubscribe`` and goes only to verified addresses that did not opt out
    transactional: Mapped[bool] = mapped_column(Boolean, default=True)
    list_unsubscribe: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus, length=16), default=MailStatus.QUEUED)
    #: attempts started (counted when claimed, so a relay that dies mid-send also counts)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: which relay holds it while ``sending``, and since when (the lease runs from here)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class MailOptOut(Base):
    """A member asked (through a mail's unsubscribe link) not to get this kind of mail again."""

    __tablename__ = "mail_opt_outs"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
