"""What each Stripe event does: ``EVENT_HANDLERS`` maps an event type to a handler.

A handler receives the verified event as parsed JSON (a plain dict we parsed ourselves, never a
StripeObject) and calls the services the rest of the app uses. It signals two outcomes besides
success:

- ``EventNotReady``: the event refers to something not recorded yet (a refund or dispute that
  overtook its payment). The inbox keeps it ``waiting`` and the webhook answers 409, so Stripe's
  retry runs it again once the payment is in.
- ``EventRejected``: verified but unusable for good (no such enrollment, a malformed object).
  Kept ``rejected`` with the reason for a human and for reconciliation; answered 200, because
  no retry can fix it.

Every field is read through ``event_reading``, which checks its shape first: a handler never
meets a list where it expects an object, nor an id a database column cannot hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from habits.payments import event_reading as read
from habits.payments.event_reading import EventRejected
from habits.services import deposits, disputes, refund_updates
from habits.services.ports import PaymentGateway

__all__ = ["EVENT_HANDLERS", "EventNotReady", "EventRejected", "HandlerContext"]

#: what the payment_error column holds
MAX_PAYMENT_ERROR = 500


class EventNotReady(Exception):
    """Retry later: what this event refers to has not arrived yet."""


@dataclass
class HandlerContext:
    session: Session
    now: datetime
    gateway: PaymentGateway | None = None


Handler = Callable[[HandlerContext, dict], None]


def _created(event: dict) -> datetime:
    return datetime.fromtimestamp(int(event["created"]), UTC)


def on_payment_succeeded(ctx: HandlerContext, event: dict) -> None:
    intent = read.object_of(event)
    received = deposits.ReceivedPayment(
        payment_intent_id=intent["id"],
        charge_id=read.charge_of_intent(intent),
        amount_minor=read.amount_of(intent, "amount_received", "amount"),
        currency=read.currency_of(intent),
        enrollment_id=read.enrollment_id_of(intent),
        paid_at=_created(event),
        event_id=event["id"],
    )
    try:
        deposits.record_payment(ctx.session, received, now=ctx.now)
    except deposits.PaymentUnmatched as unmatched:
        raise EventRejected(str(unmatched))


def on_payment_failed(ctx: HandlerContext, event: dict) -> None:
    intent = read.object_of(event)
    error = read.mapping(intent, "last_payment_error")
    reason = read.text(error, "message", max_length=MAX_PAYMENT_ERROR) or "The payment failed."
    deposits.record_payment_failure(
        ctx.session, payment_intent_id=intent["id"], reason=reason, now=ctx.now, event_id=event["id"]
    )


def _refund_update(refund: dict, *, charge: dict | None = None) -> refund_updates.RefundUpdate:
    charge_intent = read.optional_reference(charge, "payment_intent") if charge else None
    key = read.mapping(refund, "metadata").get("streakpot_key")
    return refund_updates.RefundUpdate(
        refund_id=refund["id"],
        status=read.status(refund),
        amount_minor=read.amount_of(refund, "amount"),
        currency=read.currency_of(refund),
        payment_intent_id=read.optional_reference(refund, "payment_intent") or charge_intent,
        charge_id=read.optional_reference(refund, "charge") or (charge or {}).get("id"),
        key=None if key is None else read.reference(key, f"{refund['id']}: metadata.streakpot_key"),
        failure_reason=read.text(refund, "failure_reason", max_length=1000),
    )


def _apply_refund(ctx: HandlerContext, update: refund_updates.RefundUpdate) -> None:
    try:
        refund_updates.record_refund_update(ctx.session, update, now=ctx.now)
    except refund_updates.RefundNotReady as waiting:
        raise EventNotReady(str(waiting))
    except refund_updates.RefundUnbookable as unbookable:
        raise EventRejected(str(unbookable))


def on_refund(ctx: HandlerContext, event: dict) -> None:
    """refund.created / refund.updated / refund.failed / charge.refund.updated: one Refund object."""
    _apply_refund(ctx, _refund_update(read.object_of(event)))


def on_charge_refunded(ctx: HandlerContext, event: dict) -> None:
    """charge.refunded: a Charge whose ``refunds`` list (when the API version includes it) says
    which refunds; without the list, the refund.* events carry the news instead."""
    charge = read.object_of(event)
    # Every refund is read before any is applied: a malformed one rejects the whole event.
    for update in [_refund_update(refund, charge=charge) for refund in read.listed(charge, "refunds")]:
        _apply_refund(ctx, update)


def _dispute_news(dispute: dict) -> disputes.DisputeNews:
    return disputes.DisputeNews(
        dispute_id=dispute["id"],
        payment_intent_id=read.optional_reference(dispute, "payment_intent"),
        charge_id=read.optional_reference(dispute, "charge"),
        amount_minor=read.amount_of(dispute, "amount"),
        currency=read.currency_of(dispute),
        status=read.status(dispute) or "",
        reason=read.text(dispute, "reason", max_length=100),
    )


def on_dispute_created(ctx: HandlerContext, event: dict) -> None:
    try:
        disputes.open_dispute(ctx.session, _dispute_news(read.object_of(event)), now=ctx.now)
    except deposits.PaymentNotReady as waiting:
        raise EventNotReady(str(waiting))


def on_dispute_closed(ctx: HandlerContext, event: dict) -> None:
    try:
        disputes.close_dispute(ctx.session, _dispute_news(read.object_of(event)), now=ctx.now)
    except deposits.PaymentNotReady as waiting:
        raise EventNotReady(str(waiting))


EVENT_HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": on_payment_succeeded,
    "payment_intent.payment_failed": on_payment_failed,
    "charge.refunded": on_charge_refunded,
    "refund.created": on_refund,
    "refund.updated": on_refund,
    "refund.failed": on_refund,
    "charge.refund.updated": on_refund,
    "charge.dispute.created": on_dispute_created,
    "charge.dispute.closed": on_dispute_closed,
}
