"""A community's chat group: the incoming webhook its organizers connected, and the messages
waiting to be posted there (the daily summary, a test message).

One hook per community (``chat_webhooks.community_id`` unique). A message is a ``chat_deliveries``
row, claimed and sent by the chat relay under a lease (``habits.services.chat_relay``); the daily
summary of a community's local date is claimed once by its unique (community, date) key, so two
scheduler processes never post it twice. Test messages carry no date (NULLs never collide).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class ChatKind(StrEnum):
    WECOM = "wecom"  # WeCom (企业微信) group robot
    DINGTALK = "dingtalk"  # DingTalk custom robot
    FEISHU = "feishu"  # Feishu / Lark custom bot
    SLACK = "slack"  # Slack incoming webhook
    DISCORD = "discord"  # Discord channel webhook
    TELEGRAM = "telegram"  # Telegram bot (sendMessage to chat_id)


class ChatWebhook(Base):
    __tablename__ = "chat_webhooks"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[ChatKind] = mapped_column(enum_column(ChatKind, length=16))
    #: the incoming webhook (a secret: shown to organizers only, never logged)
    url: Mapped[str] = mapped_column(String(2048))
    #: Telegram: the chat the bot posts to
    chat_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: DingTalk: the robot's signing secret ("加签"), when it has one
    secret: Mapped[str | None] = mapped_column(String(128), nullable=True)
    #: when the daily summary is posted: minutes after midnight in the community's zone
    summary_minute: Mapped[int] = mapped_column(Integer)
    #: the language of the chat's messages: ``en`` or ``zh_Hans``
    locale: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the last post the chat took
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: since when posts fail (None: the last one went through), and the last reason
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ChatDeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class ChatPurpose(StrEnum):
    SUMMARY = "summary"
    TEST = "test"


class ChatDelivery(Base):
    __tablename__ = "chat_deliveries"
    __table_args__ = (
        UniqueConstraint("community_id", "summary_date"),
        Index("ix_chat_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    purpose: Mapped[ChatPurpose] = mapped_column(enum_column(ChatPurpose, length=16))
    #: the summary's local date (None for a test message)
    summary_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: what the message says, as facts; written in the hook's format and language when sent
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[ChatDeliveryStatus] = mapped_column(
        enum_column(ChatDeliveryStatus, length=16), default=ChatDeliveryStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
