"""Communities and memberships."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from habits.api.schemas.common import ChangesSchema, StrictBoolean, Text, UTCInstant, page_schema
from habits.api.schemas.entry import EntryAnswersSchema, EntryInputSchema, EntryViewSchema
from habits.api.schemas.members import PublicMemberSchema, validate_timezone
from habits.models import MembershipStatus, Role, Theme
from habits.services.communities import MemberFilter

THEMES = [theme.value for theme in Theme]
ROLES = [role.value for role in Role]

_name = validate.Length(min=1, max=120)
#: the active share (basis points, 500 = 5 %) below which, two dates running, organizers are alerted
_alert_bps = validate.Range(min=1, max=10000)


class CommunityCreateSchema(Schema):
    name = Text(required=True, blank=False, validate=_name)
    theme = fields.String(required=True, validate=validate.OneOf(THEMES))
    description = Text(load_default="", validate=validate.Length(max=5000))
    #: the entry rules shown before joining
    rules_text = Text(load_default="", validate=validate.Length(max=10000))
    #: invitation only, approval, quiz, registration form
    entry = fields.Nested(EntryInputSchema, load_default=dict)
    #: the IANA zone whose dates the health figures count (default: the organizer's zone)
    timezone = Text(validate=validate_timezone)
    health_alert_bps = fields.Integer(allow_none=True, validate=_alert_bps, strict=True)


class CommunityUpdateSchema(ChangesSchema):
    name = Text(blank=False, validate=_name)
    description = Text(validate=validate.Length(max=5000))
    rules_text = Text(validate=validate.Length(max=10000))
    #: the entry rules given are changed, the others stay
    entry = fields.Nested(EntryInputSchema)
    timezone = Text(validate=validate_timezone)
    #: null turns the alert off
    health_alert_bps = fields.Integer(allow_none=True, validate=_alert_bps, strict=True)


class CommunitySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    theme = fields.String(required=True, validate=validate.OneOf(THEMES))
    description = fields.String(required=True)
    rules_text = fields.String(required=True)
    entry = fields.Nested(EntryViewSchema, required=True)
    organizer_id = fields.Integer(required=True)
    timezone = fields.String(required=True)
    #: organizers only (null for everyone else, and when no alert is set)
    health_alert_bps = fields.Integer(required=True, allow_none=True)
    member_count = fields.Integer(required=True)
    #: the caller's role and membership status, or null when they are not in it
    my_role = fields.String(required=True, allow_none=True, validate=validate.OneOf(ROLES))
    my_status = fields.String(required=True, allow_none=True)
    created_at = UTCInstant(required=True)


CommunityPageSchema = page_schema(CommunitySchema, "CommunityPage")


class CommunityListArgsSchema(Schema):
    theme = fields.String(validate=validate.OneOf(THEMES))


class JoinCommunitySchema(EntryAnswersSchema):
    #: the community's invite code or a member's personal invitation code
    invite_code = Text(load_default=None, allow_none=True, validate=validate.Length(max=64))


class MemberListArgsSchema(Schema):
    """Organizers' filters."""

    tag = fields.String(validate=validate.Length(min=1, max=100))
    status = fields.String(
        validate=validate.OneOf([MembershipStatus.ACTIVE.value, MembershipStatus.PENDING.value])
    )
    #: checked in within the last 7 days (active) or not (inactive)
    activity = fields.String(validate=validate.OneOf([f.value for f in MemberFilter]))
    #: a word found in the member's answers
    answer = fields.String(validate=validate.Length(min=1, max=100))


class MembershipSchema(Schema):
    community_id = fields.Integer(required=True)
    member = fields.Nested(PublicMemberSchema, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in MembershipStatus]))
    joined_at = UTCInstant(required=True)
    #: organizers only (null for everyone else): registration answers, tags, last check-in
    answers = fields.Dict(keys=fields.String(), values=fields.String(), required=True, allow_none=True)
    tags = fields.List(fields.String(), required=True, allow_none=True)
    last_check_in_at = UTCInstant(required=True, allow_none=True)


MembershipPageSchema = page_schema(MembershipSchema, "MembershipPage")


class MembershipUpdateSchema(ChangesSchema):
    role = fields.String(validate=validate.OneOf([Role.CO_ORGANIZER, Role.CORE_MEMBER, Role.MEMBER]))
    #: true approves a pending member
    approve = StrictBoolean()


class InvitationSchema(Schema):
    community_id = fields.Integer(required=True)
    code = fields.String(required=True)
    #: the link to hand out (the community's page with the code filled in)
    url = fields.String(required=True)
    #: the QR code image of ``url``
    qr_url = fields.String(required=True)
    uses = fields.Integer(required=True)
    quota = fields.Integer(required=True)
    created_at = UTCInstant(required=True)
