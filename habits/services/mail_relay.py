"""The relay: sends what the outbox holds, each mail once, retrying with backoff.

One run of ``relay_due`` handles one batch:

1. **claim** (its own short transaction, committed before anything is sent): due rows get
   ``status='sending'``, this run's random ``claim_token`` and ``claimed_at``, and one more
   attempt. On PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED``, so relays in
   several scheduler processes each claim different mail; SQLite has one writer at a time
   (``BEGIN IMMEDIATE``), which serialises the claims.
2. **send** each claimed mail through the transport (``habits.mail.transports``: SMTP, or the
   log in the demo), outside any transaction.
3. **record** each outcome, guarded by the claim token (a relay whose claim was taken over
   records nothing): sent; or queued again after ``MAIL_RETRIES``' backoff; or failed, for good
   when the server refused it permanently (5xx) or the attempts ran out.

A relay that dies between sending and recording leaves the row ``sending``: after ``LEASE`` any
relay reclaims it and sends it again, so a mail can arrive twice only after such a crash (it
then carries the same Message-ID, which lets mail software drop the copy).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.domain.retries import MAIL_RETRIES, RetryPolicy
from habits.models import MailStatus, OutboxMail
from habits.services.leased_rows import LeasedRows

log = logging.getLogger(__name__)

#: mail claimed by one run (a run sends them one after the other)
BATCH = 20
#: how long a claim holds: longer than a batch can take with the transport's timeouts
LEASE = timedelta(minutes=30)
#: how long sent and failed mail stays in the outbox (the demo's mail page, a human's look)
RETENTION = timedelta(days=30)
MAX_ERROR_LENGTH = 2000
#: the outbox as a table of leased rows (habits/services/leased_rows.py)
OUTBOX = LeasedRows(
    OutboxMail,
    queued=MailStatus.QUEUED,
    sending=MailStatus.SENDING,
    failed=MailStatus.FAILED,
    finished=(MailStatus.SENT, MailStatus.FAILED),
    lease=LEASE,
    retention=RETENTION,
)


@dataclass(frozen=True)
class Outgoing:
    """A claimed mail, as the transport needs it (no ORM object crosses the send)."""

    id: int
    kind: str
    to: str
    subject: str
    body_text: str
    body_html: str | None
    list_unsubscribe: str | None
    created_at: datetime
    attempts: int
    claim_token: str


class DeliveryFailed(Exception):
    """The transport could not hand the mail over; ``permanent`` when trying again cannot help
    (the server refused the address or the message with a 5xx answer)."""

    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class MailTransport(Protocol):
    def connect(self) -> AbstractContextManager[Callable[[Outgoing], None]]:
        """Open a connection (DeliveryFailed when it cannot) that yields a ``send(mail)``; each
        send raises DeliveryFailed when that mail could not be handed over."""


@dataclass
class RelayResult:
    claimed: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def claim_due(
    session: Session, *, now: datetime, limit: int = BATCH, policy: RetryPolicy = MAIL_RETRIES
) -> list[Outgoing]:
    """Claim up to ``limit`` due mails for this run (the caller commits before sending)."""
    token = OUTBOX.claim(session, now=now, policy=policy, limit=limit)
    rows = session.scalars(
        select(OutboxMail)
        .where(OutboxMail.claim_token == token)
        .order_by(OutboxMail.id)
        # the UPDATE went around the session: objects it already holds are read again
        .execution_options(populate_existing=True)
    )
    return [
        Outgoing(
            id=row.id,
            kind=row.kind,
            to=row.to_address,
            subject=row.subject,
            body_text=row.body_text,
            body_html=row.body_html,
            list_unsubscribe=row.list_unsubscribe,
            created_at=row.created_at,
            attempts=row.attempts,
            claim_token=token,
        )
        for row in rows
    ]


def _record(session: Session, mail: Outgoing, **values) -> bool:
    return OUTBOX.record(session, mail.id, mail.claim_token, **values)


def record_sent(session: Session, mail: Outgoing, *, now: datetime) -> bool:
    return _record(session, mail, status=MailStatus.SENT, sent_at=now, last_error=None)


def record_failure(
    session: Session,
    mail: Outgoing,
    failure: DeliveryFailed,
    *,
    now: datetime,
    policy: RetryPolicy = MAIL_RETRIES,
) -> MailStatus:
    """Queue the mail again after the policy's backoff, or mark it failed; returns which."""
    retry_at = None if failure.permanent else policy.next_attempt_at(mail.attempts, now=now)
    status = MailStatus.FAILED if retry_at is None else MailStatus.QUEUED
    values = {"status": status, "last_error": failure.reason[:MAX_ERROR_LENGTH]}
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    _record(session, mail, **values)
    return status


def relay_due(
    session: Session,
    transport: MailTransport,
    *,
    now: datetime,
    commit: Callable[[], None],
    limit: int = BATCH,
    policy: RetryPolicy = MAIL_RETRIES,
) -> RelayResult:
    """Claim one batch of due mail, send it, record each outcome (one commit each)."""
    result = RelayResult()
    claimed = claim_due(session, now=now, limit=limit, policy=policy)
    commit()
    if not claimed:
        return result
    result.claimed = [mail.id for mail in claimed]
    outcomes: list[tuple[Outgoing, DeliveryFailed | None]] = []
    try:
        with transport.connect() as send:
            for mail in claimed:
                outcomes.append((mail, _send_one(send, mail)))
    except DeliveryFailed as failure:
        # no connection (or it broke between mails): the rest of the batch waits for a retry
        done = {mail.id for mail, _ in outcomes}
        outcomes += [(mail, failure) for mail in claimed if mail.id not in done]
    for mail, failure in outcomes:
        if failure is None:
            record_sent(session, mail, now=now)
            result.sent.append(mail.id)
        elif record_failure(session, mail, failure, now=now, policy=policy) is MailStatus.FAILED:
            log.warning("mail %s (%s) failed for good: %s", mail.id, mail.kind, failure.reason)
            result.failed.append(mail.id)
        else:
            result.retrying.append(mail.id)
        commit()
    return result


def _send_one(send: Callable[[Outgoing], None], mail: Outgoing) -> DeliveryFailed | None:
    try:
        send(mail)
    except DeliveryFailed as failure:
        return failure
    except Exception as exc:  # a bug or an unexpected library error: this mail waits, the batch goes on
        log.exception("mail %s could not be sent", mail.id)
        return DeliveryFailed(f"{type(exc).__name__}: {exc}")
    return None


def give_up_abandoned(session: Session, *, now: datetime, policy: RetryPolicy = MAIL_RETRIES) -> int:
    """Mail left ``sending`` past the lease with no attempt left is marked failed."""
    return OUTBOX.give_up_abandoned(session, now=now, policy=policy)


def purge_delivered(session: Session, *, now: datetime) -> int:
    """Delete sent and failed mail older than ``RETENTION`` (the outbox is not an archive)."""
    return OUTBOX.purge(session, now=now)
