"""The push relay: sends the queued Web Push deliveries, each once, retrying with backoff.

The same three steps as the mail relay (``habits.services.mail_relay``), with the same retry
rule (``habits.domain.retries``, ``PUSH_RETRIES``):

1. **claim** (its own short transaction, committed before anything is sent): due rows get
   ``status='sending'``, this run's random ``claim_token`` and one more attempt; on PostgreSQL
   picked ``FOR UPDATE SKIP LOCKED``, so relays in several scheduler processes claim different
   rows. A reminder whose day was checked in, or whose window closed, meanwhile is ``skipped``
   instead of sent: a member is never reminded after checking in.
2. **send** the claimed pushes through the transport (``habits.notify.webpush``: it writes each
   in its recipient's language and posts it), outside any transaction.
3. **record** each outcome, guarded by the claim token: sent; queued again after the backoff;
   failed for good (a permanent refusal, or no attempt left); or, when the push service says
   the subscription is gone (404/410), the device is removed with everything queued for it.

A relay that dies between sending and recording leaves rows ``sending``; after ``LEASE`` any
relay reclaims them (a push may then arrive twice, only after such a crash).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from habits.domain.retries import PUSH_RETRIES, RetryPolicy
from habits.models import CheckIn, Member, Notification, PushDelivery, PushStatus, PushSubscription
from habits.services.leased_rows import LeasedRows
from habits.services.notifications.params import parse_instant
from habits.services.notifications.subscriptions import forget_device

log = logging.getLogger(__name__)

#: deliveries claimed by one run (the transport sends them a few at a time)
BATCH = 100
#: how long a claim holds: longer than a batch can take with the transport's timeouts
LEASE = timedelta(minutes=10)
#: how long sent, failed and skipped deliveries stay (a human's look at what went out)
RETENTION = timedelta(days=7)
MAX_ERROR_LENGTH = 2000
#: the push queue as a table of leased rows (habits/services/leased_rows.py)
QUEUE = LeasedRows(
    PushDelivery,
    queued=PushStatus.QUEUED,
    sending=PushStatus.SENDING,
    failed=PushStatus.FAILED,
    finished=(PushStatus.SENT, PushStatus.FAILED, PushStatus.SKIPPED),
    lease=LEASE,
    retention=RETENTION,
)
#: the one kind that is withdrawn once its day is checked in or closed
REMINDER = "reminder"


@dataclass(frozen=True)
class OutgoingPush:
    """A claimed delivery, with what the transport needs to write and send it."""

    id: int
    notification_id: int
    kind: str
    params: dict
    #: the recipient's language and zone: the push is written in them
    locale: str
    timezone: str
    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str
    attempts: int
    claim_token: str


class PushFailed(Exception):
    """The push service did not take the push. ``gone``: the subscription no longer exists
    (404/410), remove the device; ``permanent``: trying again cannot help."""

    def __init__(self, reason: str, *, permanent: bool = False, gone: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent or gone
        self.gone = gone


class PushTransport(Protocol):
    def send_all(self, pushes: Sequence[OutgoingPush]) -> Mapping[int, PushFailed | None]:
        """Write and send each push; delivery id -> None (accepted) or why it failed. Never
        raises for one push's failure."""


@dataclass
class PushRelayResult:
    claimed: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    #: devices removed because their push service said they are gone
    removed: list[int] = field(default_factory=list)


def claim_due(
    session: Session, *, now: datetime, limit: int = BATCH, policy: RetryPolicy = PUSH_RETRIES
) -> list[OutgoingPush]:
    """Claim up to ``limit`` due deliveries for this run (the caller commits before sending)."""
    token = QUEUE.claim(session, now=now, policy=policy, limit=limit)
    rows = session.execute(
        select(PushDelivery, Notification, PushSubscription, Member.locale, Member.timezone)
        .join(Notification, Notification.id == PushDelivery.notification_id)
        .join(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
        .join(Member, Member.id == Notification.recipient_id)
        .where(PushDelivery.claim_token == token)
        .order_by(PushDelivery.id)
        .execution_options(populate_existing=True)
    ).all()
    claimed = [
        OutgoingPush(
            id=delivery.id,
            notification_id=notification.id,
            kind=notification.kind,
            params=dict(notification.params or {}),
            locale=locale,
            timezone=timezone,
            subscription_id=device.id,
            endpoint=device.endpoint,
            p256dh=device.p256dh,
            auth=device.auth,
            attempts=delivery.attempts,
            claim_token=token,
        )
        for delivery, notification, device, locale, timezone in rows
    ]
    return claimed


def set_aside_lapsed(session: Session, claimed: list[OutgoingPush], *, now: datetime) -> list[OutgoingPush]:
    """Mark skipped the claimed reminders no longer worth sending; the pushes left to send."""
    lapsed = _lapsed_reminders(session, claimed, now=now)
    for push in claimed:
        if push.id in lapsed:
            _record(session, push, status=PushStatus.SKIPPED, last_error=lapsed[push.id])
    return [push for push in claimed if push.id not in lapsed]


def _lapsed_reminders(session: Session, claimed: list[OutgoingPush], *, now: datetime) -> dict[int, str]:
    """Reminders among ``claimed`` whose day is checked in or whose window has closed: id -> why."""
    reminders = [push for push in claimed if push.kind == REMINDER]
    if not reminders:
        return {}
    days = {(int(p.params["enrollment_id"]), int(p.params["day_index"])) for p in reminders}
    done = set(
        session.execute(
            select(CheckIn.enrollment_id, CheckIn.day_index).where(
                tuple_(CheckIn.enrollment_id, CheckIn.day_index).in_(days)
            )
        ).all()
    )
    lapsed = {}
    for push in reminders:
        if (int(push.params["enrollment_id"]), int(push.params["day_index"])) in done:
            lapsed[push.id] = "checked in before the reminder went out"
        elif parse_instant(push.params["closes_time"]) <= now:
            lapsed[push.id] = "the window closed before the reminder went out"
    return lapsed


def _record(session: Session, push: OutgoingPush, **values) -> bool:
    return QUEUE.record(session, push.id, push.claim_token, **values)


def record_outcome(
    session: Session,
    push: OutgoingPush,
    failure: PushFailed | None,
    *,
    now: datetime,
    policy: RetryPolicy = PUSH_RETRIES,
    result: PushRelayResult,
) -> None:
    if failure is None:
        _record(session, push, status=PushStatus.SENT, sent_at=now, last_error=None)
        result.sent.append(push.id)
        return
    if failure.gone:
        log.info("push subscription %s is gone (%s): removed", push.subscription_id, failure.reason)
        forget_device(session, push.subscription_id)
        result.removed.append(push.subscription_id)
        return
    retry_at = None if failure.permanent else policy.next_attempt_at(push.attempts, now=now)
    values = {"last_error": failure.reason[:MAX_ERROR_LENGTH]}
    if retry_at is None:
        _record(session, push, status=PushStatus.FAILED, **values)
        log.warning("push %s (%s) failed for good: %s", push.id, push.kind, failure.reason)
        result.failed.append(push.id)
    else:
        _record(session, push, status=PushStatus.QUEUED, next_attempt_at=retry_at, **values)
        result.retrying.append(push.id)


def relay_due(
    session: Session,
    transport: PushTransport,
    *,
    now: datetime,
    commit: Callable[[], None],
    limit: int = BATCH,
    policy: RetryPolicy = PUSH_RETRIES,
) -> PushRelayResult:
    """Claim one batch of due pushes, send them, record each outcome (then commit)."""
    result = PushRelayResult()
    claimed = claim_due(session, now=now, limit=limit, policy=policy)
    result.claimed = [push.id for push in claimed]
    sending = set_aside_lapsed(session, claimed, now=now)
    result.skipped = sorted({push.id for push in claimed} - {push.id for push in sending})
    commit()
    if not sending:
        return result
    try:
        outcomes = transport.send_all(sending)
    except Exception as exc:  # a bug in the transport: the whole batch waits for its retry
        log.exception("push transport failed on a batch")
        outcomes = {push.id: PushFailed(f"{type(exc).__name__}: {exc}") for push in sending}
    for push in sending:
        failure = outcomes.get(push.id, PushFailed("the transport said nothing of this push"))
        record_outcome(session, push, failure, now=now, policy=policy, result=result)
    commit()
    return result


def give_up_abandoned(session: Session, *, now: datetime, policy: RetryPolicy = PUSH_RETRIES) -> int:
    """Deliveries left ``sending`` past the lease with no attempt left are marked failed."""
    return QUEUE.give_up_abandoned(session, now=now, policy=policy)


def purge_delivered(session: Session, *, now: datetime) -> int:
    """Delete sent, failed and skipped deliveries older than ``RETENTION``."""
    return QUEUE.purge(session, now=now)
