"""Challenges: their rules (SPEC.md), status, counts and pot."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from habits.api.schemas.common import (
    ChangesSchema,
    StrictBoolean,
    Text,
    UTCInstant,
    currency_field,
    page_schema,
)
from habits.api.schemas.entry import ChallengeEntryViewSchema, EntryChallengeSchema
from habits.api.schemas.members import validate_timezone
from habits.domain.calendar import MAX_DAYS, parse_hhmm
from habits.models import ChallengeStatus, Split

#: ten billion minor units: far above any deposit, far below BIGINT
MAX_DEPOSIT_MINOR = 10_000_000_000


#: what parse_hhmm reads (00:00 ... 24:00), as a length and a pattern the document states
HHMM = [
    validate.Length(equal=5),
    validate.Regexp(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]|^24:00", error="Write the time as HH:MM, e.g. 06:30."),
]


def validate_hhmm(value: str) -> None:
    try:
        parse_hhmm(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _rule_fields(required: bool) -> dict:
    """The challenge rules as fields; the create schema requires what SPEC.md requires."""

    def req(**kwargs):
        return {"required": True, **kwargs} if required else kwargs

    def opt(default, **kwargs):
        return {"load_default": default, **kwargs} if required else kwargs

    return {
        "title": Text(**req(blank=False, validate=validate.Length(min=1, max=120))),
        "description": Text(**opt("", validate=validate.Length(max=5000))),
        "timezone": Text(**req(validate=validate_timezone)),
        "start_date": fields.Date(**req()),
        "days": fields.Integer(**req(strict=True, validate=validate.Range(1, MAX_DAYS))),
        "window_open": fields.String(**req(validate=[*HHMM, validate_hhmm], metadata={"example": "05:00"})),
        "window_close": fields.String(**req(validate=[*HHMM, validate_hhmm], metadata={"example": "07:00"})),
        "deposit_minor": fields.Integer(**req(strict=True, validate=validate.Range(1, MAX_DEPOSIT_MINOR))),
        "currency": currency_field(**req()),
        "max_misses": fields.Integer(**opt(0, strict=True, validate=validate.Range(0, MAX_DAYS))),
        "min_participants": fields.Integer(**opt(1, strict=True, validate=validate.Range(1, 1_000_000))),
        "fee_bps": fields.Integer(**opt(0, strict=True, validate=validate.Range(0, 10_000))),
        "split": fields.String(**opt(Split.EQUAL.value, validate=validate.OneOf([s.value for s in Split]))),
        "review_minutes": fields.Integer(**opt(10, strict=True, validate=validate.Range(0, 1440))),
        "rest_days": fields.Integer(**opt(0, strict=True, validate=validate.Range(0, MAX_DAYS))),
        "outage_minutes": fields.Integer(**opt(10, strict=True, validate=validate.Range(1, 1440))),
        "requires_photo": StrictBoolean(**opt(False)),
        "requires_code_word": StrictBoolean(**opt(False)),
        "value_label": Text(**opt(None, allow_none=True, validate=validate.Length(min=1, max=32))),
    }


#: chosen at launch only (``challenges.LAUNCH_ONLY``); the service judges the ranges with the rest
LAUNCH_FIELDS = {
    #: members per squad: 0 (or omitted) for no squads, else 2 to 500 (the pages pre-fill 150)
    "squad_size": fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 1_000_000)),
    #: a flash challenge: 1 to 3 days, open to any member who can see the community
    "flash": StrictBoolean(load_default=False),
    #: the challenge's own quiz and form, in place of its community's (habits.services.entry)
    "entry": fields.Nested(EntryChallengeSchema),
}
ChallengeCreateSchema = Schema.from_dict(
    {**_rule_fields(required=True), **LAUNCH_FIELDS}, name="ChallengeCreate"
)
ChallengeUpdateSchema = ChangesSchema.from_dict(_rule_fields(required=False), name="ChallengeUpdate")


class ChallengeSchema(Schema):
    id = fields.Integer(required=True)
    community_id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    timezone = fields.String(required=True)
    start_date = fields.Date(required=True)
    days = fields.Integer(required=True)
    window_open = fields.String(required=True)
    window_close = fields.String(required=True)
    deposit_minor = fields.Integer(required=True)
    currency = fields.String(required=True)
    max_misses = fields.Integer(required=True)
    min_participants = fields.Integer(required=True)
    fee_bps = fields.Integer(required=True)
    split = fields.String(required=True)
    review_minutes = fields.Integer(required=True)
    rest_days = fields.Integer(required=True)
    outage_minutes = fields.Integer(required=True)
    requires_photo = fields.Boolean(required=True)
    requires_code_word = fields.Boolean(required=True)
    value_label = fields.String(required=True, allow_none=True)
    squad_size = fields.Integer(required=True)
    flash = fields.Boolean(required=True)
    #: when a flash challenge left the lists (its last day settled), or null
    archived_at = UTCInstant(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in ChallengeStatus]))
    #: when day 0's window opens: enrollment closes and the money rules freeze
    day_zero_opens_at = UTCInstant(required=True)
    settled_days = fields.Integer(required=True)
    next_due_at = UTCInstant(required=True, allow_none=True)
    created_at = UTCInstant(required=True)
    #: enrollments per status
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    #: what the pot holds now (forfeits waiting to be split), in minor units
    pot_minor = fields.Integer(required=True)
    #: the caller's enrollment in this challenge, if any
    my_enrollment_id = fields.Integer(required=True, allow_none=True)
    #: the challenge's own entry quiz and form (null: the community's); right answers for organizers
    entry = fields.Nested(ChallengeEntryViewSchema, required=True)


ChallengePageSchema = page_schema(ChallengeSchema, "ChallengePage")
