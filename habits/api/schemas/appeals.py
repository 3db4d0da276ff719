"""Appeal requests: a member's ask, an organizer's decision, and how both read."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from habits.api.schemas.common import PageArgsSchema, StrictBoolean, Text, UTCInstant, page_schema
from habits.api.schemas.members import PublicMemberSchema
from habits.domain.calendar import MAX_DAYS
from habits.models import AppealStatus
from habits.services.appeals import MAX_REASON

STATUSES = [status.value for status in AppealStatus]
#: the day's check-in as the request's reader sees it now
CHECK_IN_STATES = ["valid", "voided", "missing"]


def _reason(**kwargs) -> Text:
    return Text(required=True, blank=False, validate=validate.Length(min=1, max=MAX_REASON), **kwargs)


class AppealRequestCreateSchema(Schema):
    """The JSON body; send a photo with the same fields as a multipart form instead."""

    day_index = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_DAYS - 1))
    #: what happened, for the organizers
    reason = _reason()


class AppealRequestPhotoFormSchema(Schema):
    """The multipart form of an appeal with a photo (JPEG, PNG or WebP, by its bytes)."""

    # A form field is text: the number is read from it.
    day_index = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_DAYS - 1))
    reason = _reason()
    photo = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class AppealDecisionSchema(Schema):
    #: true records the member's check-in for the day; false refuses the request
    accept = StrictBoolean(required=True)
    #: shown to the challenge's participants in the referee log
    reason = _reason()


class AppealListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))


class AppealRequestSchema(Schema):
    id = fields.Integer(required=True)
    enrollment_id = fields.Integer(required=True)
    challenge_id = fields.Integer(required=True)
    #: the member who asked
    member = fields.Nested(PublicMemberSchema, required=True)
    day_index = fields.Integer(required=True)
    reason = fields.String(required=True)
    has_photo = fields.Boolean(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    asked_at = UTCInstant(required=True)
    #: the day's settlement: a pending request can be accepted until then, refused at any time
    due_at = UTCInstant(required=True)
    decided_at = UTCInstant(required=True, allow_none=True)
    decided_by = fields.Nested(PublicMemberSchema, required=True, allow_none=True)
    decision_reason = fields.String(required=True, allow_none=True)
    #: the check-in an accepted request recorded
    check_in_id = fields.Integer(required=True, allow_none=True)
    #: the day's check-in now: valid, voided or missing
    check_in = fields.String(required=True, validate=validate.OneOf(CHECK_IN_STATES))
    #: why it was voided, while it is
    void_reason = fields.String(required=True, allow_none=True)


AppealRequestPageSchema = page_schema(AppealRequestSchema, "AppealRequestPage")
