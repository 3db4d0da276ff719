"""Forgot password: ask for a link, then use it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from habits.api.schemas.common import Text
from habits.api.schemas.members import PASSWORD_LENGTH, EmailAddress


class PasswordResetRequestSchema(Schema):
    email = EmailAddress(required=True, validate=validate.Length(max=254))


class PasswordResetConfirmSchema(Schema):
    #: the token of the link in the mail (``.../password-reset/<token>``)
    token = Text(required=True, blank=False, validate=validate.Length(min=1, max=128))
    password = fields.String(required=True, validate=PASSWORD_LENGTH, load_only=True)
