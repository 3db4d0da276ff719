"""A community's chat group (its incoming webhook)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from habits.api.schemas.common import Text, UTCInstant
from habits.models import ChatKind
from habits.services.chat_hooks import LOCALES
from habits.services.outbound_urls import MAX_URL_CHARS

KINDS = [kind.value for kind in ChatKind]


class ChatWebhookPutSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    #: the incoming webhook's URL (Telegram: ``https://api.telegram.org/bot<token>``)
    url = Text(required=True, blank=False, validate=validate.Length(max=MAX_URL_CHARS))
    #: Telegram only: the chat to post to (a number, or @channelname)
    chat_id = Text(load_default=None, allow_none=True, validate=validate.Length(max=64))
    #: DingTalk only: the robot's signing secret, when it has one
    secret = Text(load_default=None, allow_none=True, validate=validate.Length(max=128))
    #: when the daily summary is posted, HH:MM in the community's zone
    summary_at = fields.String(
        required=True,
        validate=[
            validate.Length(equal=5),
            validate.Regexp(
                r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$", error="Write the time as HH:MM, e.g. 21:00."
            ),
        ],
        metadata={"example": "21:00"},
    )
    locale = fields.String(required=True, validate=validate.OneOf(LOCALES))


class ChatWebhookSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    url = fields.String(required=True)
    chat_id = fields.String(required=True, allow_none=True)
    #: whether a DingTalk signing secret is set (the secret is never sent back)
    signed = fields.Boolean(required=True)
    summary_at = fields.String(required=True)
    locale = fields.String(required=True)
    updated_at = UTCInstant(required=True)
    #: the last post the chat took
    last_sent_at = UTCInstant(required=True, allow_none=True)
    #: since when posts fail, and why (null while they go through)
    failing_since = UTCInstant(required=True, allow_none=True)
    last_error = fields.String(required=True, allow_none=True)


class ChatTestSchema(Schema):
    #: the queued test message (the relay posts it within a minute)
    id = fields.Integer(required=True)
    status = fields.String(required=True)
