"""Members, registration and tokens."""

from __future__ import annotations

import functools
import zoneinfo

from marshmallow import Schema, ValidationError, fields, validate

from habits.api.schemas.common import ChangesSchema, StrictBoolean, Text, TextRule, UTCInstant
from habits.services.regions import regions

LOCALES = ("en", "zh_Hans")
PASSWORD_LENGTH = validate.Length(min=8, max=256)


@functools.cache
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    """An IANA zone name the tz database knows (never a file path or 'localtime')."""
    if value not in known_zones():
        raise ValidationError(f"{value!r} is not an IANA time zone, e.g. 'Asia/Shanghai' or 'UTC'.")


#: a region CLDR knows, as ISO 3166 alpha-2 in capitals (``GB``): with the language, it picks the
#: formats of dates and numbers (the document lists them as the field's enum)
one_of_regions = validate.OneOf(sorted(regions()), error="Not a region: use an ISO 3166 code, e.g. GB.")


#: not text of white space only (prefer ``Text(blank=False)``, which also refuses NUL)
non_blank = TextRule(blank=False)


class EmailAddress(fields.Email):
    """An email, trimmed and lower-cased before it is checked (phones add spaces and capitals)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.strip().lower()
        return super()._deserialize(value, attr, data, **kwargs)


class MemberSchema(Schema):
    """The member's own profile (email included: only the member sees it)."""

    id = fields.Integer(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    timezone = fields.String(required=True)
    locale = fields.String(required=True)
    #: how dates and numbers are written on the pages (ISO 3166 alpha-2); null: the browser's
    region = fields.String(required=True, allow_none=True)
    created_at = UTCInstant(required=True)
    #: the address asked for with ``PATCH /me {email}`` and not confirmed yet (the link mailed to
    #: it not followed); null when there is none
    pending_email = fields.String(allow_none=True)
    #: minutes before a day's window closes to be reminded of a check-in not made yet (null: never)
    reminder_minutes_before_close = fields.Integer(allow_none=True, required=True)
    #: a daily e-mail of one's notifications (needs a confirmed address)
    email_digest = fields.Boolean(required=True)


class PublicMemberSchema(Schema):
    """What other members see of a member."""

    id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class RegisterSchema(Schema):
    email = EmailAddress(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=PASSWORD_LENGTH, load_only=True)
    display_name = Text(required=True, blank=False, validate=validate.Length(min=1, max=80))
    timezone = Text(load_default="UTC", validate=validate_timezone)
    locale = fields.String(load_default="en", validate=validate.OneOf(LOCALES))
    #: the version of the terms in force (GET /api/v1/terms), accepted by registering; required
    #: once the operator has published terms (422 on it otherwise)
    terms_version = fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1))


class MemberUpdateSchema(ChangesSchema):
    display_name = Text(blank=False, validate=validate.Length(min=1, max=80))
    timezone = Text(validate=validate_timezone)
    locale = fields.String(validate=validate.OneOf(LOCALES))
    #: null: follow the browser's Accept-Language
    region = Text(allow_none=True, validate=one_of_regions)
    #: the new address takes effect when the link mailed to it is followed; the old one is told
    #: (``pending_email`` until then). The current address drops a pending change.
    email = EmailAddress(validate=validate.Length(max=254))
    reminder_minutes_before_close = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=1, max=1440)
    )
    email_digest = StrictBoolean()


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(max=256))
    new_password = fields.String(required=True, validate=PASSWORD_LENGTH)


class TokenCreateSchema(Schema):
    email = Text(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    #: a label for the token ("phone", "script"), shown in nothing but the database
    name = Text(load_default="api", validate=validate.Length(min=1, max=80))


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = UTCInstant(required=True)
