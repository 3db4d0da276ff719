"""/api/v1/me/notifications, the member's devices for Web Push, and the server's VAPID key.

A member reads only their own notifications (the list is theirs by construction; marking read
touches nothing else, whatever id is sent) and removes only their own devices (404 for any
other id). Each notification comes with its text written for the member: their language, their
zone (``habits.notify.render``), beside the kind and params it was written from.
"""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from habits import vapid_keys as vapid
from habits.api.docs import problems
from habits.api.edge import commit, read
from habits.api.schemas.common import PageArgsSchema, StrictFloat, Text, UTCInstant, page_schema
from habits.api.security import auth_required, current_member
from habits.notify.render import render_for
from habits.services import notifications
from habits.services.notifications import subscriptions
from habits.services.outbound_urls import MAX_URL_CHARS

notifications_bp = Blueprint(
    "notifications", __name__, url_prefix="/api/v1", description="Notifications and Web Push"
)

MAX_ID = 2**63 - 1


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    #: what happened (checkin_voided, day_won, reminder ...): the same in every language
    kind = fields.String(required=True)
    #: the facts the text is written from (amounts in minor units, instants RFC 3339, day_index k)
    params = fields.Dict(required=True)
    #: the text, in the member's language and zone
    title = fields.String(required=True)
    body = fields.String(required=True)
    created_at = UTCInstant(required=True)
    read_at = UTCInstant(allow_none=True)


class NotificationPageSchema(page_schema(NotificationSchema, "NotificationList")):
    #: the member's unread notifications, whatever the page
    unread = fields.Integer(required=True)


class NotificationListArgsSchema(PageArgsSchema):
    #: true: only the notifications not read yet
    unread = fields.Boolean(load_default=False, truthy={"true", "1"}, falsy={"false", "0"})


class ReadSchema(Schema):
    #: the newest notification the member has seen: it and every older one become read
    up_to_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))


class UnreadSchema(Schema):
    unread = fields.Integer(required=True)


class VapidKeySchema(Schema):
    #: the server's VAPID public key, base64url: PushManager.subscribe's applicationServerKey
    public_key = fields.String(required=True)


class PushKeysSchema(Schema):
    p256dh = Text(required=True, validate=validate.Length(min=1, max=100))
    auth = Text(required=True, validate=validate.Length(min=1, max=50))


class PushSubscriptionCreateSchema(Schema):
    """A browser's PushSubscription as its toJSON() gives it."""

    endpoint = Text(required=True, validate=validate.Length(min=1, max=MAX_URL_CHARS))
    keys = fields.Nested(PushKeysSchema, required=True)
    #: the browser's own expiry, if any (not used: a gone subscription is removed when a push says so)
    expiration_time = StrictFloat(data_key="expirationTime", allow_none=True, load_default=None)


class PushSubscriptionSchema(Schema):
    id = fields.Integer(required=True)
    endpoint = fields.String(required=True)
    created_at = UTCInstant(required=True)


def _view(notification, member) -> dict:
    text = render_for(notification, member)
    return {
        "id": notification.id,
        "kind": notification.kind,
        "params": notification.params,
        "title": text.title,
        "body": text.body,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


@notifications_bp.route("/me/notifications", methods=["GET"])
@auth_required
@notifications_bp.arguments(NotificationListArgsSchema, location="query")
@notifications_bp.response(200, NotificationPageSchema)
def list_notifications(args):
    """Your notifications, newest first (``unread=true``: only those not read yet), with how many
    are unread."""
    member = current_member()
    page = read(
        notifications.list_notifications,
        member,
        unread_only=args["unread"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return {
        "items": [_view(item, member) for item in page.items],
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "unread": page.unread,
    }


@notifications_bp.route("/me/notifications/read", methods=["POST"])
@auth_required
@notifications_bp.arguments(ReadSchema)
@notifications_bp.response(200, UnreadSchema)
def mark_read(data):
    """Mark your notifications up to ``up_to_id`` read; answers how many stay unread."""
    return {"unread": commit(notifications.mark_read, current_member(), up_to_id=data["up_to_id"])}


@notifications_bp.route("/push/vapid-public-key", methods=["GET"])
@notifications_bp.response(200, VapidKeySchema)
def vapid_public_key():
    """The key browsers subscribe to Web Push with (``applicationServerKey``)."""
    return {"public_key": vapid.public_key(current_app.config["VAPID_PRIVATE_KEY"])}


@notifications_bp.route("/me/push-subscriptions", methods=["POST"])
@auth_required
@notifications_bp.arguments(PushSubscriptionCreateSchema)
@notifications_bp.response(201, PushSubscriptionSchema)
@problems(422)
def subscribe(data):
    """Receive notifications on this browser: send its PushSubscription (``toJSON()``). The same
    endpoint again refreshes it (and moves it to you, if someone else had signed in on it)."""
    return commit(
        subscriptions.subscribe,
        current_member(),
        endpoint=data["endpoint"],
        p256dh=data["keys"]["p256dh"],
        auth=data["keys"]["auth"],
        policy=subscriptions.push_policy(current_app.config),
    )


@notifications_bp.route("/me/push-subscriptions/<id:subscription_id>", methods=["DELETE"])
@auth_required
@notifications_bp.response(204)
def unsubscribe(subscription_id):
    """Stop Web Push to one of your browsers (404 for an id that is not one of yours)."""
    commit(subscriptions.unsubscribe, current_member(), subscription_id)
