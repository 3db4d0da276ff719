"""Enrollments, joining (with the deposit's payment), today's status, and check-ins."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from habits.api.schemas.common import StrictBoolean, StrictFloat, Text, UTCInstant, page_schema
from habits.api.schemas.entry import EntryAnswersSchema
from habits.domain.lifecycle import EnrollmentStatus

STATUSES = [status.value for status in EnrollmentStatus]
MAX_NOTE = 2000
MAX_VALUE = 1_000_000


class EnrollmentCreateSchema(EntryAnswersSchema):
    """Also the challenge's own quiz's and form's answers, when it has them."""

    #: pay the deposit from the wallet (409 when it holds too little) instead of by card
    pay_from_wallet = StrictBoolean(load_default=False)


class PaymentSchema(Schema):
    payment_intent_id = fields.String(required=True)
    client_secret = fields.String(required=True)
    #: offline payment mode only: POST here to pay as a test card would
    offline_confirm_url = fields.String(allow_none=True)


class EnrollmentSchema(Schema):
    id = fields.Integer(required=True)
    challenge_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    misses = fields.Integer(required=True)
    deposit_minor = fields.Integer(required=True)
    #: what the held deposit holds now (ledger)
    held_minor = fields.Integer(required=True)
    returned_minor = fields.Integer(required=True)
    forfeited_minor = fields.Integer(required=True)
    won_minor = fields.Integer(required=True)
    currency = fields.String(required=True)
    rest_days_used = fields.Integer(required=True)
    payment_error = fields.String(required=True, allow_none=True)
    joined_at = UTCInstant(required=True)
    activated_at = UTCInstant(required=True, allow_none=True)
    withdrew_at = UTCInstant(required=True, allow_none=True)


class JoinedSchema(EnrollmentSchema):
    #: null when the deposit was paid from the wallet
    payment = fields.Nested(PaymentSchema, required=True, allow_none=True)


EnrollmentPageSchema = page_schema(EnrollmentSchema, "EnrollmentPage")


class TodaySchema(Schema):
    enrollment_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    #: the day whose window is open now, else the next day to open (null after the last)
    day_index = fields.Integer(required=True, allow_none=True)
    window_open = fields.Boolean(required=True)
    window_opens_at = UTCInstant(required=True, allow_none=True)
    window_closes_at = UTCInstant(required=True, allow_none=True)
    #: the open day has a check-in (see check_in_voided: a voided one counts as a miss)
    checked_in = fields.Boolean(required=True)
    #: an organizer voided the open day's check-in: the member may ask for an appeal
    #: (POST /enrollments/{id}/appeals) until the day is due
    check_in_voided = fields.Boolean(required=True)
    next_window_opens_at = UTCInstant(required=True, allow_none=True)
    #: today's code word, only while the window is open and when the challenge asks for one
    code_word = fields.String(required=True, allow_none=True)


_value_range = validate.Range(0, MAX_VALUE)


class CheckInCreateSchema(Schema):
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=MAX_NOTE))
    value = StrictFloat(load_default=None, allow_none=True, allow_nan=False, validate=_value_range)


class CheckInPhotoFormSchema(CheckInCreateSchema):
    """The multipart form of a check-in with a photo (JPEG, PNG or WebP, by its bytes)."""

    # A form field is text: the number is parsed from it, and a form has no null (leave it out).
    value = fields.Float(load_default=None, allow_none=False, allow_nan=False, validate=_value_range)

    photo = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class CheckInSchema(Schema):
    id = fields.Integer(required=True)
    enrollment_id = fields.Integer(required=True)
    challenge_id = fields.Integer(required=True)
    day_index = fields.Integer(required=True)
    #: the server's clock when it was recorded
    checked_in_at = UTCInstant(required=True)
    note = fields.String(required=True, allow_none=True)
    value = fields.Float(required=True, allow_none=True)
    has_photo = fields.Boolean(required=True)
    #: false once eliminated or withdrawn: counts for streaks, never for money
    counts_for_money = fields.Boolean(required=True)
    voided_at = UTCInstant(allow_none=True)
    void_reason = fields.String(allow_none=True)


CheckInPageSchema = page_schema(CheckInSchema, "CheckInPage")


class CheckInCreatedSchema(CheckInSchema):
    """A new check-in, with its standing when it was written (SPEC, "Streaks, rank and levels")."""

    #: its position among the valid check-ins of its challenge day, in the order they were written
    rank_of_day = fields.Integer(
        required=True,
        metadata={"description": "Position among the day's valid check-ins in arrival order (1 = first)."},
    )
    #: the member's current streak in the challenge, this day included
    streak = fields.Integer(
        required=True,
        metadata={
            "description": "Consecutive challenge days with a valid check-in, ending today; "
            "rest days and excused days neither break nor add."
        },
    )


class VoidSchema(Schema):
    reason = Text(required=True, blank=False, validate=validate.Length(min=1, max=500))
