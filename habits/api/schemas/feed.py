"""The feed's shapes: its cursor page, cheers, comments with mentions, reports, flags, privacy."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from habits.api.schemas.common import (
    MAX_PER_PAGE,
    ChangesSchema,
    PageArgsSchema,
    StrictBoolean,
    Text,
    UTCInstant,
    page_schema,
)
from habits.api.schemas.enrollments import CheckInSchema
from habits.api.schemas.members import PublicMemberSchema
from habits.services.feed import MAX_BODY, MAX_MENTIONS
from habits.services.feed.reading import MAX_CURSOR_LENGTH

MAX_REASON = 500


class FeedArgsSchema(Schema):
    #: opaque: the ``next_cursor`` of the page before (the feed's one exception to page/total)
    cursor = Text(validate=validate.Length(max=MAX_CURSOR_LENGTH))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    #: only the check-ins of this squad's members (a squad of the challenge)
    squad = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))


class FeedItemSchema(CheckInSchema):
    member = fields.Nested(PublicMemberSchema, required=True)
    #: what ``value`` counts (km, pages...), the challenge's
    value_label = fields.String(required=True, allow_none=True)
    photo_private = fields.Boolean(required=True)
    #: null without a photo, or when it is private and the reader may not see it
    photo_url = fields.String(required=True, allow_none=True)
    voided = fields.Boolean(required=True)
    cheers = fields.Integer(required=True)
    comments = fields.Integer(required=True)
    cheered_by_me = fields.Boolean(required=True)


class FeedPageSchema(Schema):
    items = fields.List(fields.Nested(FeedItemSchema), required=True)
    #: null on the last page
    next_cursor = fields.String(required=True, allow_none=True)


class CheerStateSchema(Schema):
    check_in_id = fields.Integer(required=True)
    cheers = fields.Integer(required=True)
    cheered_by_me = fields.Boolean(required=True)


class PhotoPrivacySchema(ChangesSchema):
    photo_private = StrictBoolean()


class FeedReasonSchema(Schema):
    reason = Text(validate=validate.Length(max=MAX_REASON), allow_none=True)


class FlagSchema(Schema):
    id = fields.Integer(required=True)
    check_in_id = fields.Integer(required=True)
    reason = fields.String(required=True, allow_none=True)
    created_at = UTCInstant(required=True)


class CommentCreateSchema(Schema):
    #: plain text
    body = Text(required=True, blank=False, validate=validate.Length(min=1, max=MAX_BODY))
    #: member ids of the challenge's participants (GET /challenges/{id}/participants)
    mentions = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=2**63 - 1)),
        load_default=list,
        validate=validate.Length(max=MAX_MENTIONS),
    )


class CommentSchema(Schema):
    id = fields.Integer(required=True)
    check_in_id = fields.Integer(required=True)
    author = fields.Nested(PublicMemberSchema, required=True)
    body = fields.String(required=True)
    mentions = fields.List(fields.Nested(PublicMemberSchema), required=True)
    created_at = UTCInstant(required=True)


CommentPageSchema = page_schema(CommentSchema, "CommentPage")


class ReportSchema(Schema):
    id = fields.Integer(required=True)
    comment_id = fields.Integer(required=True)
    reason = fields.String(required=True, allow_none=True)
    created_at = UTCInstant(required=True)


class ParticipantArgsSchema(PageArgsSchema):
    #: part of a display name (the mention picker)
    q = Text(load_default="", validate=validate.Length(max=80))


ParticipantPageSchema = page_schema(PublicMemberSchema, "ParticipantPage")
