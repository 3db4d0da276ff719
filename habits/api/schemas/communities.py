"""Communities and memberships."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from habits.api.schemas.common import ChangesSchema, StrictBoolean, Text, UTCInstant, page_schema
from habits.api.schemas.members import PublicMemberSchema, validate_timezone
from habits.models import MembershipStatus, Role, Theme

THEMES = [theme.value for theme in Theme]
ROLES = [role.value for role in Role]

_name = validate.Length(min=1, max=120)
_question = Text(blank=False, validate=validate.Length(min=1, max=200))
#: the active share (basis points, 500 = 5 %) below which, two dates running, organizers are alerted
_alert_bps = validate.Range(min=1, max=10000)


class CommunityCreateSchema(Schema):
    name = Text(required=True, blank=False, validate=_name)
    theme = fields.String(required=True, validate=validate.OneOf(THEMES))
    description = Text(load_default="", validate=validate.Length(max=5000))
    #: the entry rules shown before joining
    rules_text = Text(load_default="", validate=validate.Length(max=10000))
    #: true: joining needs an invite code, which the server generates (organizers read it here)
    by_invitation = StrictBoolean(load_default=False)
    #: questions a member answers to join (city, goal, ...)
    join_questions = fields.List(_question, load_default=list, validate=validate.Length(max=10))
    requires_approval = StrictBoolean(load_default=False)
    #: the IANA zone whose dates the health figures count (default: the organizer's zone)
    timezone = Text(validate=validate_timezone)
    health_alert_bps = fields.Integer(allow_none=True, validate=_alert_bps, strict=True)


class CommunityUpdateSchema(ChangesSchema):
    name = Text(blank=False, validate=_name)
    description = Text(validate=validate.Length(max=5000))
    rules_text = Text(validate=validate.Length(max=10000))
    #: true gives the community a generated invite code (keeping its current one); false opens it
    by_invitation = StrictBoolean()
    #: true replaces the invite code with a new generated one: the old code stops working
    new_invite_code = StrictBoolean()
    join_questions = fields.List(_question, validate=validate.Length(max=10))
    requires_approval = StrictBoolean()
    timezone = Text(validate=validate_timezone)
    #: null turns the alert off
    health_alert_bps = fields.Integer(allow_none=True, validate=_alert_bps, strict=True)


class CommunitySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    theme = fields.String(required=True, validate=validate.OneOf(THEMES))
    description = fields.String(required=True)
    rules_text = fields.String(required=True)
    requires_invite_code = fields.Boolean(required=True)
    join_questions = fields.List(fields.String(), required=True)
    requires_approval = fields.Boolean(required=True)
    organizer_id = fields.Integer(required=True)
    timezone = fields.String(required=True)
    #: organizers only (null for everyone else, and when no alert is set)
    health_alert_bps = fields.Integer(required=True, allow_none=True)
    member_count = fields.Integer(required=True)
    #: the caller's role and membership status, or null when they are not in it
    my_role = fields.String(required=True, allow_none=True, validate=validate.OneOf(ROLES))
    my_status = fields.String(required=True, allow_none=True)
    #: shown to the organizer and co-organizers only (null for everyone else)
    invite_code = fields.String(required=True, allow_none=True)
    #: organizers only: when the server replaced a code an organizer had chosen (for security), so
    #: members holding the old code need the new one; null otherwise
    invite_code_replaced_at = UTCInstant(required=True, allow_none=True)
    created_at = UTCInstant(required=True)


CommunityPageSchema = page_schema(CommunitySchema, "CommunityPage")


class CommunityListArgsSchema(Schema):
    theme = fields.String(validate=validate.OneOf(THEMES))


class JoinCommunitySchema(Schema):
    invite_code = Text(load_default=None, allow_none=True, validate=validate.Length(max=64))
    answers = fields.List(Text(validate=validate.Length(max=500)), load_default=list)


class MembershipSchema(Schema):
    community_id = fields.Integer(required=True)
    member = fields.Nested(PublicMemberSchema, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in MembershipStatus]))
    joined_at = UTCInstant(required=True)


MembershipPageSchema = page_schema(MembershipSchema, "MembershipPage")


class MembershipUpdateSchema(ChangesSchema):
    role = fields.String(validate=validate.OneOf([Role.CO_ORGANIZER, Role.CORE_MEMBER, Role.MEMBER]))
    #: true approves a pending member
    approve = StrictBoolean()
