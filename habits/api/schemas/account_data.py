"""The member's own data (export), deleting an account, handing a community over, the terms."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from habits.api.schemas.communities import ROLES
from habits.api.schemas.members import LOCALES
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import MembershipStatus
from habits.models.checkin import CheckInSource


def _instant(**kwargs) -> fields.String:
    """An RFC 3339 UTC instant, as the export service writes it."""
    return fields.String(metadata={"format": "date-time"}, **kwargs)


class ExportProfileSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    email_verified_at = _instant(required=True, allow_none=True)
    display_name = fields.String(required=True)
    timezone = fields.String(required=True)
    locale = fields.String(required=True, validate=validate.OneOf(LOCALES))
    created_at = _instant(required=True)
    is_admin = fields.Boolean(required=True)


class ExportTermsAcceptanceSchema(Schema):
    version = fields.Integer(required=True)
    accepted_at = _instant(required=True)


class ExportMembershipSchema(Schema):
    community_id = fields.Integer(required=True)
    community_name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in MembershipStatus]))
    #: the answers to the community's registration form, by field key
    answers = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    #: the tags the answers made (``key:value``)
    tags = fields.List(fields.String(), required=True)
    joined_at = _instant(required=True)


class ExportEnrollmentSchema(Schema):
    id = fields.Integer(required=True)
    challenge_id = fields.Integer(required=True)
    challenge_title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in EnrollmentStatus]))
    misses = fields.Integer(required=True)
    rest_days_used = fields.Integer(required=True)
    deposit_minor = fields.Integer(required=True)
    currency = fields.String(required=True)
    held_minor = fields.Integer(required=True)
    returned_minor = fields.Integer(required=True)
    forfeited_minor = fields.Integer(required=True)
    won_minor = fields.Integer(required=True)
    joined_at = _instant(required=True)
    activated_at = _instant(required=True, allow_none=True)
    withdrew_at = _instant(required=True, allow_none=True)
    #: 0-based: the day it was eliminated, completed or settled as withdrawn
    ended_day_index = fields.Integer(required=True, allow_none=True)


class ExportCheckInSchema(Schema):
    id = fields.Integer(required=True)
    enrollment_id = fields.Integer(required=True)
    challenge_id = fields.Integer(required=True)
    #: 0-based (people read day k + 1)
    day_index = fields.Integer(required=True)
    checked_in_at = _instant(required=True)
    note = fields.String(required=True, allow_none=True)
    value = fields.Float(required=True, allow_none=True)
    #: the photo itself: GET /api/v1/checkins/{id}/photo
    has_photo = fields.Boolean(required=True)
    source = fields.String(required=True, validate=validate.OneOf([s.value for s in CheckInSource]))
    voided_at = _instant(required=True, allow_none=True)
    void_reason = fields.String(required=True, allow_none=True)


class ExportRestDaySchema(Schema):
    enrollment_id = fields.Integer(required=True)
    day_index = fields.Integer(required=True)
    declared_at = _instant(required=True)


class ExportBalanceSchema(Schema):
    currency = fields.String(required=True)
    available_minor = fields.Integer(required=True)


class ExportWalletEntrySchema(Schema):
    at = _instant(required=True)
    currency = fields.String(required=True)
    #: from the member's side: positive when money came into the wallet
    amount_minor = fields.Integer(required=True)
    #: the ledger transaction's key (what moved, and why: habits.books)
    key = fields.String(required=True)
    memo = fields.String(required=True)


class ExportWalletSchema(Schema):
    balances = fields.List(fields.Nested(ExportBalanceSchema), required=True)
    #: every entry, newest first
    entries = fields.List(fields.Nested(ExportWalletEntrySchema), required=True)


class ExportWithdrawalSchema(Schema):
    id = fields.Integer(required=True)
    currency = fields.String(required=True)
    requested_minor = fields.Integer(required=True)
    refunded_minor = fields.Integer(required=True)
    kept_minor = fields.Integer(required=True)
    note = fields.String(required=True, allow_none=True)
    created_at = _instant(required=True)


class ExportPayoutSchema(Schema):
    id = fields.Integer(required=True)
    currency = fields.String(required=True)
    amount_minor = fields.Integer(required=True)
    destination = fields.String(required=True)
    status = fields.String(required=True)
    reason = fields.String(required=True, allow_none=True)
    reference = fields.String(required=True, allow_none=True)
    requested_at = _instant(required=True)
    decided_at = _instant(required=True, allow_none=True)
    paid_at = _instant(required=True, allow_none=True)


class ExportSchema(Schema):
    """Everything Streakpot holds that is the member's own."""

    #: ``streakpot-export/1``
    format = fields.String(required=True)
    exported_at = _instant(required=True)
    profile = fields.Nested(ExportProfileSchema, required=True)
    terms_acceptances = fields.List(fields.Nested(ExportTermsAcceptanceSchema), required=True)
    memberships = fields.List(fields.Nested(ExportMembershipSchema), required=True)
    enrollments = fields.List(fields.Nested(ExportEnrollmentSchema), required=True)
    check_ins = fields.List(fields.Nested(ExportCheckInSchema), required=True)
    rest_days = fields.List(fields.Nested(ExportRestDaySchema), required=True)
    wallet = fields.Nested(ExportWalletSchema, required=True)
    withdrawals = fields.List(fields.Nested(ExportWithdrawalSchema), required=True)
    payouts = fields.List(fields.Nested(ExportPayoutSchema), required=True)


class DeletionSchema(Schema):
    #: the member's password, again
    password = fields.String(required=True, validate=validate.Length(max=256), load_only=True)


class HandoverSchema(Schema):
    #: the active member of the community who becomes its organizer
    member_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**63 - 1))


class TermsSchema(Schema):
    """The terms in force."""

    version = fields.Integer(required=True)
    #: Markdown, as the operator wrote it
    body = fields.String(required=True)
    published_at = _instant(required=True)


class TermsAcceptanceSchema(Schema):
    #: the version accepted: the terms in force (GET /api/v1/terms)
    terms_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))


class TermsAcceptedSchema(Schema):
    version = fields.Integer(required=True)
    accepted_at = _instant(required=True)
