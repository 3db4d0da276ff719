"""POST /webhooks/stripe: verify, store by event id, dispatch, and answer so Stripe retries only
what needs it.

1. The raw body is verified against the endpoint secret (``STRIPE_WEBHOOK_SECRET``; several,
   comma-separated, during a rotation) with Stripe's own code and its 300 s tolerance: a bad,
   missing, stale (or far-future) signature, or a body that is no event, is a 400 and touches
   nothing.
2. The event is stored in the inbox (``stripe_events``) under its id. The primary key makes a
   replay a 200 that changes nothing, and on PostgreSQL it also serializes two deliveries of
   the same event arriving at once: the second waits for the first to commit.
3. The handler runs inside a savepoint in the same transaction as the inbox row. When it fails,
   only the savepoint is rolled back: the row is committed with the error and the webhook
   answers 500, so the failure stays visible and Stripe's retry runs it again (dj-stripe keeps
   its trigger row for the same reason). An event that overtook what it refers to (a dispute
   before its payment) is kept ``waiting`` and answered 409: the retry runs it once the payment
   is in. An event that can never apply (no such enrollment, an object of a shape Stripe never
   sends: see event_reading) is kept ``rejected``, answered 200.

The offline payment mode feeds its signed events through ``process_webhook`` too, so the demo
runs exactly this code.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import stripe
from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from habits.extensions import db
from habits.models.payment import RETRYABLE_EVENT_STATUSES, EventStatus, StripeEvent
from habits.observability.metrics import WEBHOOKS
from habits.payments.gateway import current_gateway
from habits.payments.handlers import EVENT_HANDLERS, EventNotReady, EventRejected, HandlerContext
from habits.problems import problem
from habits.request_bounds import beyond_bounds
from habits.services.ports import PaymentGateway

log = logging.getLogger(__name__)

#: Stripe's default: a signature older than this is refused (replay protection)
TOLERANCE_SECONDS = 300
#: year 5138: anything later is not a Stripe timestamp (and would overflow a datetime)
MAX_TIMESTAMP = 10**11

_PRINTABLE = re.compile(r"[!-~]+")

webhooks_bp = Blueprint("webhooks", __name__)


@dataclass(frozen=True)
class WebhookOutcome:
    status_code: int
    title: str
    detail: str | None = None
    event_id: str | None = None
    event_status: str | None = None

    def response(self):
        if self.status_code < 300:
            body = {"received": True, "event_id": self.event_id, "status": self.event_status}
            return jsonify(body), self.status_code
        extra = {"event_id": self.event_id} if self.event_id else {}
        return problem(self.status_code, self.title, self.detail, **extra)


class BadEvent(Exception):
    """The request is not a verifiable Stripe event (answered 400)."""


def webhook_secrets(config) -> list[str]:
    raw = config.get("STRIPE_WEBHOOK_SECRET") or ""
    return [secret.strip() for secret in raw.split(",") if secret.strip()]


def verify_event(payload: bytes, signature: str | None, secrets: list[str]) -> dict:
    """The event as JSON, once its signature checks out; BadEvent otherwise."""
    if not signature:
        raise BadEvent("No Stripe-Signature header.")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise BadEvent("The body is not UTF-8.")
    last_error = "No webhook secret is configured."
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(text, signature, secret, TOLERANCE_SECONDS)
            break
        except stripe.SignatureVerificationError as error:
            last_error = str(error.user_message or error)
    else:
        raise BadEvent(f"Signature verification failed: {last_error}")
    # Stripe's check only refuses old timestamps; a signed one far in the future would stay
    # replayable for as long, so it is refused too (clock skew gets the same tolerance).
    if _signed_at(signature) > time.time() + TOLERANCE_SECONDS:
        raise BadEvent("Signature timestamp is in the future.")
    # Within bounds, json.loads can only refuse with a ValueError (never a RecursionError), and
    # the event stays small enough to store and read back.
    too_complex = beyond_bounds(payload)
    if too_complex:
        raise BadEvent(f"The body is not an event we can read: {too_complex}")
    try:
        event = json.loads(text)
    except ValueError:
        raise BadEvent("The body is not JSON.")
    if not (
        isinstance(event, dict)
        and _is_name(event.get("id"), 255)
        and _is_name(event.get("type"), 100)
        and isinstance(event.get("created"), int)
        and 0 < event["created"] < MAX_TIMESTAMP
        and isinstance(event.get("data"), dict)
    ):
        raise BadEvent("The body is not a Stripe event.")
    return event


def _is_name(value, max_length: int) -> bool:
    """An event's id or type: printable ASCII that its column holds (never a NUL or a space)."""
    return isinstance(value, str) and 0 < len(value) <= max_length and _PRINTABLE.fullmatch(value) is not None


def _signed_at(signature: str) -> int:
    for part in signature.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            return int(value)
    return 0


def process_webhook(
    session: Session,
    payload: bytes,
    signature: str | None,
    *,
    secrets: list[str],
    now: datetime,
    gateway: PaymentGateway | None = None,
) -> WebhookOutcome:
    """Verify, store and handle one delivery; commits. The one path every event takes."""
    try:
        event = verify_event(payload, signature, secrets)
    except BadEvent as bad:
        return WebhookOutcome(400, "Bad webhook", str(bad))
    try:
        return _handle(session, event, now=now, gateway=gateway)
    except BaseException:
        session.rollback()
        raise


def _claim(session: Session, event: dict, now: datetime) -> EventStatus:
    """Store ``event`` in the inbox unless it is there already; lock its row; return its status.

    ``INSERT ... ON CONFLICT DO NOTHING``: on PostgreSQL a second delivery of the same event
    waits here until the first commits, then finds its row (and answers "duplicate"). Plain
    statements, not ORM objects: a storm of redeliveries should cost two small statements each."""
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        dialect_insert(StripeEvent)
        .values(
            id=event["id"],
            type=event["type"],
            created_at=datetime.fromtimestamp(event["created"], UTC),
            received_at=now,
            livemode=bool(event.get("livemode")),
            payload=event,
            status=EventStatus.PROCESSING,
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    return session.execute(
        select(StripeEvent.status).where(StripeEvent.id == event["id"]).with_for_update()
    ).scalar_one()


def _handle(session: Session, event: dict, *, now: datetime, gateway) -> WebhookOutcome:
    event_id, event_type = event["id"], event["type"]
    if _claim(session, event, now) not in RETRYABLE_EVENT_STATUSES:
        session.commit()
        return WebhookOutcome(200, "Already received", event_id=event_id, event_status="duplicate")
    handler = EVENT_HANDLERS.get(event_type)
    code, title, status, error = 200, "Processed", EventStatus.PROCESSED, None
    if handler is None:
        title, status = "Ignored", EventStatus.IGNORED
    else:
        try:
            with session.begin_nested():
                handler(HandlerContext(session=session, now=now, gateway=gateway), event)
        except EventNotReady as waiting:
            status, error = EventStatus.WAITING, str(waiting)
            code, title = 409, "Event arrived before what it refers to; retry later"
        except EventRejected as rejected:
            log.warning("stripe event %s (%s) rejected: %s", event_id, event_type, rejected)
            status, error = EventStatus.REJECTED, str(rejected)
        except Exception as failure:
            log.exception("stripe event %s (%s) failed", event_id, event_type)
            status, error = EventStatus.FAILED, f"{type(failure).__name__}: {failure}"[:4000]
            code, title = 500, "Event handling failed; it is kept and will run again on retry"
    # Outside the handler's savepoint: a failure stays recorded with its error.
    session.execute(
        update(StripeEvent)
        .where(StripeEvent.id == event_id)
        .values(attempts=StripeEvent.attempts + 1, processed_at=now, status=status, error=error)
    )
    session.commit()
    return WebhookOutcome(code, title, error, event_id=event_id, event_status=status.value)


@webhooks_bp.route("/webhooks/stripe", methods=["POST"])
def stripe_webhook():
    """Stripe's signed events. The signature is the authentication: no session, no CSRF."""
    outcome = process_webhook(
        db.session,
        request.get_data(cache=False),
        request.headers.get("Stripe-Signature"),
        secrets=webhook_secrets(current_app.config),
        now=datetime.now(UTC),
        gateway=current_gateway(),
    )
    WEBHOOKS.labels(status=outcome.event_status or ("bad" if outcome.status_code == 400 else "error")).inc()
    return outcome.response()
