"""The chat relay: posts the queued chat messages, each once, retrying with backoff.

The same three steps as the mail and push relays (``habits.services.leased_rows``), with
``CHAT_RETRIES``:

1. **claim** (its own short transaction, committed before anything is posted): due rows get
   ``sending``, this run's ``claim_token`` and one more attempt, picked ``FOR UPDATE SKIP LOCKED``
   on PostgreSQL so relays in several scheduler processes claim different rows;
2. **post** each through the transport (``habits.notify.chat``: it writes the message in the
   hook's format and language, checks the URL again and posts), outside any transaction;
3. **record** each outcome under the claim, and on the hook: when it last took a post, or since
   when its posts fail and why (the organizers' pages show it). A failing hook blocks nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.domain.retries import CHAT_RETRIES, RetryPolicy
from habits.models import ChatDelivery, ChatDeliveryStatus, ChatWebhook
from habits.services.leased_rows import LeasedRows

log = logging.getLogger(__name__)

BATCH = 20
#: longer than a batch can take with the transport's timeouts
LEASE = timedelta(minutes=10)
RETENTION = timedelta(days=14)
MAX_ERROR_LENGTH = 1000
QUEUE = LeasedRows(
    ChatDelivery,
    queued=ChatDeliveryStatus.QUEUED,
    sending=ChatDeliveryStatus.SENDING,
    failed=ChatDeliveryStatus.FAILED,
    finished=(ChatDeliveryStatus.SENT, ChatDeliveryStatus.FAILED),
    lease=LEASE,
    retention=RETENTION,
)


@dataclass(frozen=True)
class OutgoingChat:
    """A claimed message with its hook, as the transport needs it (no ORM object crosses)."""

    id: int
    community_id: int
    purpose: str
    params: dict
    kind: str
    url: str
    chat_id: str | None
    secret: str | None
    locale: str
    attempts: int
    claim_token: str


class ChatFailed(Exception):
    """The chat did not take the post; ``permanent`` when trying again cannot help."""

    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class ChatTransport(Protocol):
    def send_all(self, messages: Sequence[OutgoingChat]) -> Mapping[int, ChatFailed | None]:
        """Write and post each message; delivery id -> None (taken) or why not. Never raises."""


@dataclass
class ChatRelayResult:
    claimed: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def claim_due(
    session: Session, *, now: datetime, limit: int = BATCH, policy: RetryPolicy = CHAT_RETRIES
) -> list[OutgoingChat]:
    token = QUEUE.claim(session, now=now, policy=policy, limit=limit)
    rows = session.execute(
        select(ChatDelivery, ChatWebhook)
        .join(ChatWebhook, ChatWebhook.community_id == ChatDelivery.community_id, isouter=True)
        .where(ChatDelivery.claim_token == token)
        .order_by(ChatDelivery.id)
        .execution_options(populate_existing=True)
    ).all()
    claimed = []
    for delivery, hook in rows:
        if hook is None:  # disconnected since it was queued: nothing to post to
            QUEUE.record(
                session, delivery.id, token, status=ChatDeliveryStatus.FAILED, last_error="disconnected"
            )
            continue
        claimed.append(
            OutgoingChat(
                id=delivery.id,
                community_id=delivery.community_id,
                purpose=delivery.purpose,
                params=dict(delivery.params or {}),
                kind=hook.kind,
                url=hook.url,
                chat_id=hook.chat_id,
                secret=hook.secret,
                locale=hook.locale,
                attempts=delivery.attempts,
                claim_token=token,
            )
        )
    return claimed


def record(
    session: Session,
    message: OutgoingChat,
    failure: ChatFailed | None,
    *,
    now: datetime,
    policy: RetryPolicy = CHAT_RETRIES,
) -> ChatDeliveryStatus:
    """The outcome on the delivery (under its claim) and on the hook."""
    if failure is None:
        status = ChatDeliveryStatus.SENT
        ours = QUEUE.record(
            session, message.id, message.claim_token, status=status, sent_at=now, last_error=None
        )
        hook_values = {"last_sent_at": now, "failing_since": None, "last_error": None}
    else:
        reason = failure.reason[:MAX_ERROR_LENGTH]
        retry_at = None if failure.permanent else policy.next_attempt_at(message.attempts, now=now)
        status = ChatDeliveryStatus.FAILED if retry_at is None else ChatDeliveryStatus.QUEUED
        values = {"status": status, "last_error": reason}
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        ours = QUEUE.record(session, message.id, message.claim_token, **values)
        hook_values = {"last_error": reason}
    if ours:
        hook = session.scalar(select(ChatWebhook).where(ChatWebhook.community_id == message.community_id))
        if hook is not None and hook.url == message.url:
            if failure is not None and hook.failing_since is None:
                hook.failing_since = now
            for name, value in hook_values.items():
                setattr(hook, name, value)
    return status


def relay_due(
    session: Session,
    transport: ChatTransport,
    *,
    now: datetime,
    commit: Callable[[], None],
    limit: int = BATCH,
    policy: RetryPolicy = CHAT_RETRIES,
) -> ChatRelayResult:
    """Claim one batch of due messages, post them, record each outcome (one commit each)."""
    result = ChatRelayResult()
    claimed = claim_due(session, now=now, limit=limit, policy=policy)
    commit()
    if not claimed:
        return result
    result.claimed = [message.id for message in claimed]
    outcomes = transport.send_all(claimed)
    for message in claimed:
        failure = outcomes.get(message.id, ChatFailed("the transport gave no answer"))
        status = record(session, message, failure, now=now, policy=policy)
        if status is ChatDeliveryStatus.SENT:
            result.sent.append(message.id)
        elif status is ChatDeliveryStatus.FAILED:
            log.warning("chat message %s (%s) failed for good: %s", message.id, message.kind, failure.reason)
            result.failed.append(message.id)
        else:
            result.retrying.append(message.id)
        commit()
    return result


def give_up_abandoned(session: Session, *, now: datetime, policy: RetryPolicy = CHAT_RETRIES) -> int:
    return QUEUE.give_up_abandoned(session, now=now, policy=policy)


def purge_delivered(session: Session, *, now: datetime) -> int:
    return QUEUE.purge(session, now=now)
