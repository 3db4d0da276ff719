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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from habits.services import deposits, disputes, refund_updates
from habits.services.ports import PaymentGateway

#: Stripe's own ceiling is far below this; anything larger is not a real amount (and would
#: overflow a BIGINT)
MAX_AMOUNT_MINOR = 10**12


class EventNotReady(Exception):
    """Retry later: what this event refers to has not arrived yet."""


class EventRejected(Exception):
    """Never usable: keep it visible and stop Stripe retrying."""


@dataclass
class HandlerContext:
    session: Session
    now: datetime
    gateway: PaymentGateway | None = None


Handler = Callable[[HandlerContext, dict], None]


def _object(event: dict) -> dict:
    obj = (event.get("data") or {}).get("object")
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise EventRejected("the event carries no object with an id")
    return obj


def _amount(obj: dict, *names: str) -> int:
    for name in names:
        value = obj.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_AMOUNT_MINOR:
            return value
    raise EventRejected(f"{obj.get('id')}: no positive integer amount in {', '.join(names)}")


def _currency(obj: dict) -> str:
    currency = obj.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise EventRejected(f"{obj.get('id')}: no ISO 4217 currency")
    return currency.upper()


def _id_of(value) -> str | None:
    """A Stripe reference: an id string, or an expanded object (localstripe always expands)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def _created(event: dict) -> datetime:
    return datetime.fromtimestamp(int(event["created"]), UTC)


def _charge_of_intent(intent: dict) -> str | None:
    charge = _id_of(intent.get("latest_charge"))
    if charge:
        return charge
    charges = (intent.get("charges") or {}).get("data") or []
    return _id_of(charges[0]) if charges else None


def _enrollment_id(intent: dict) -> int | None:
    raw = (intent.get("metadata") or {}).get("enrollment_id")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def on_payment_succeeded(ctx: HandlerContext, event: dict) -> None:
    intent = _object(event)
    received = deposits.ReceivedPayment(
        payment_intent_id=intent["id"],
        charge_id=_charge_of_intent(intent),
        amount_minor=_amount(intent, "amount_received", "amount"),
        currency=_currency(intent),
        enrollment_id=_enrollment_id(intent),
        paid_at=_created(event),
        event_id=event["id"],
    )
    try:
        deposits.record_payment(ctx.session, received, now=ctx.now)
    except deposits.PaymentUnmatched as unmatched:
        raise EventRejected(str(unmatched))


def on_payment_failed(ctx: HandlerContext, event: dict) -> None:
    intent = _object(event)
    error = intent.get("last_payment_error") or {}
    reason = (error.get("message") if isinstance(error, dict) else None) or "The payment failed."
    deposits.record_payment_failure(ctx.session, payment_intent_id=intent["id"], reason=reason, now=ctx.now)


def _refund_update(refund: dict, *, charge: dict | None = None) -> refund_updates.RefundUpdate:
    charge = charge or {}
    return refund_updates.RefundUpdate(
        refund_id=refund["id"],
        status=refund.get("status"),
        amount_minor=_amount(refund, "amount"),
        currency=_currency(refund),
        payment_intent_id=_id_of(refund.get("payment_intent")) or _id_of(charge.get("payment_intent")),
        charge_id=_id_of(refund.get("charge")) or charge.get("id"),
        key=(refund.get("metadata") or {}).get("streakpot_key"),
        failure_reason=refund.get("failure_reason"),
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
    _apply_refund(ctx, _refund_update(_object(event)))


def on_charge_refunded(ctx: HandlerContext, event: dict) -> None:
    """charge.refunded: a Charge whose ``refunds`` list (when the API version includes it) says
    which refunds; without the list, the refund.* events carry the news instead."""
    charge = _object(event)
    for refund in (charge.get("refunds") or {}).get("data") or []:
        if isinstance(refund, dict) and isinstance(refund.get("id"), str):
            _apply_refund(ctx, _refund_update(refund, charge=charge))


def _dispute_news(dispute: dict) -> disputes.DisputeNews:
    return disputes.DisputeNews(
        dispute_id=dispute["id"],
        payment_intent_id=_id_of(dispute.get("payment_intent")),
        charge_id=_id_of(dispute.get("charge")),
        amount_minor=_amount(dispute, "amount"),
        currency=_currency(dispute),
        status=str(dispute.get("status") or ""),
        reason=dispute.get("reason"),
    )


def on_dispute_created(ctx: HandlerContext, event: dict) -> None:
    try:
        disputes.open_dispute(ctx.session, _dispute_news(_object(event)), now=ctx.now)
    except deposits.PaymentNotReady as waiting:
        raise EventNotReady(str(waiting))


def on_dispute_closed(ctx: HandlerContext, event: dict) -> None:
    try:
        disputes.close_dispute(ctx.session, _dispute_news(_object(event)), now=ctx.now)
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
