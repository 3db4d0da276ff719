"""/api/v1/payments/offline/{payment_intent_id}/confirm: the demo's card (offline payment mode only).

It pays as a test card would: the offline gateway builds the signed ``payment_intent.succeeded``
Stripe would send and runs it through the same function as POST /webhooks/stripe. Outside the
offline mode the route does not exist (404, before authentication, so it reveals nothing).

The API reaches the gateway through ``app.extensions`` only: importing habits.payments would
import stripe, which the import contracts keep out of the API.
"""

from __future__ import annotations

import functools

from flask import abort, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from habits.api.edge import request_now
from habits.api.security import auth_required, current_member
from habits.extensions import db
from habits.services.deposits import enrollment_for_intent
from habits.services.errors import NotFound

GATEWAY = "streakpot.gateway"
#: Stripe's test payment methods the offline card understands: one pays, one is declined
CARD_PAYS = "pm_card_visa"
CARD_DECLINED = "pm_card_chargeCustomerFail"

payments_bp = Blueprint(
    "payments", __name__, url_prefix="/api/v1/payments", description="Offline (demo) payment mode"
)


class OfflineConfirmSchema(Schema):
    #: the test card to pay with
    payment_method = fields.String(
        load_default=CARD_PAYS, validate=validate.OneOf([CARD_PAYS, CARD_DECLINED])
    )


class OfflineConfirmResultSchema(Schema):
    payment_intent_id = fields.String(required=True)
    enrollment_id = fields.Integer(required=True)
    enrollment_status = fields.String(required=True)
    #: why the last attempt failed (a declined card), or why the money went to the wallet
    payment_error = fields.String(allow_none=True)
    event_id = fields.String(allow_none=True)
    #: what the webhook path did with the event: processed, or duplicate for a repeat
    event_status = fields.String(allow_none=True)


def offline_only(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        gateway = current_app.extensions.get(GATEWAY)
        if current_app.config["PAYMENTS_MODE"] != "offline" or not hasattr(gateway, "confirm_payment"):
            abort(404)
        return view(*args, **kwargs)

    return wrapper


@payments_bp.route("/offline/<ref:payment_intent_id>/confirm", methods=["POST"])
@offline_only
@auth_required
@payments_bp.arguments(OfflineConfirmSchema, required=False)
@payments_bp.response(200, OfflineConfirmResultSchema)
@payments_bp.alt_response(404, response="NOT_FOUND")
def confirm_offline(data, payment_intent_id):
    """Pay a deposit with a test card (offline payment mode only)."""
    session = db.session
    enrollment = enrollment_for_intent(session, payment_intent_id)
    if enrollment.member_id != current_member().id:
        raise NotFound("No deposit with this payment intent.")
    outcome = current_app.extensions[GATEWAY].confirm_payment(
        session, enrollment, card=(data or {}).get("payment_method", CARD_PAYS), now=request_now()
    )
    if outcome.status_code >= 300:
        return outcome.response()
    session.refresh(enrollment)
    return {
        "payment_intent_id": payment_intent_id,
        "enrollment_id": enrollment.id,
        "enrollment_status": enrollment.status.value,
        "payment_error": enrollment.payment_error,
        "event_id": outcome.event_id,
        "event_status": outcome.event_status,
    }
