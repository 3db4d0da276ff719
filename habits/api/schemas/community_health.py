"""A community's health figures (SPEC, "Community health figures")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from habits.api.schemas.common import UTCInstant


class HealthArgsSchema(Schema):
    #: the first and last local dates (the community's zone); default: the last 30 days
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    #: one of the community's squads instead of the whole community
    squad_id = fields.Integer(data_key="squad", validate=validate.Range(min=1, max=2**63 - 1))


class HealthDaySchema(Schema):
    date = fields.Date(required=True, attribute="day")
    members = fields.Integer(required=True)
    active = fields.Integer(required=True)
    #: fractions 0 ... 1; null when there is nobody to count
    active_share = fields.Float(required=True, allow_none=True)
    survival_7 = fields.Float(required=True, allow_none=True)
    survival_30 = fields.Float(required=True, allow_none=True)


class HealthChallengeDaySchema(Schema):
    day_index = fields.Integer(required=True)
    excused = fields.Boolean(required=True)
    took_part = fields.Integer(required=True)
    checked_in = fields.Integer(required=True)
    checkin_rate = fields.Float(required=True, allow_none=True)
    eliminated = fields.Integer(required=True)
    eliminated_so_far = fields.Integer(required=True)


class HealthChallengeSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    start_date = fields.Date(required=True)
    days = fields.Integer(required=True)
    status = fields.String(required=True)
    currency = fields.String(required=True)
    pot_minor = fields.Integer(required=True)
    forfeited_minor = fields.Integer(required=True)
    fee_minor = fields.Integer(required=True)
    paid_out_minor = fields.Integer(required=True)
    settled_days = fields.List(fields.Nested(HealthChallengeDaySchema), required=True, attribute="settled")


class HealthCohortSchema(Schema):
    week = fields.Date(required=True)
    size = fields.Integer(required=True)
    retention = fields.List(fields.Float(allow_none=True), required=True)


class HealthSquadSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    challenge_id = fields.Integer(required=True)
    challenge_title = fields.String(required=True)


class HealthSchema(Schema):
    community_id = fields.Integer(required=True)
    timezone = fields.String(required=True)
    start = fields.Date(required=True, data_key="from")
    end = fields.Date(required=True, data_key="to")
    days = fields.List(fields.Nested(HealthDaySchema), required=True)
    challenges = fields.List(fields.Nested(HealthChallengeSchema), required=True)
    cohorts = fields.List(fields.Nested(HealthCohortSchema), required=True)
    alert_bps = fields.Integer(required=True, allow_none=True)
    #: when the figures were last brought up to date (null: not yet)
    refreshed_at = UTCInstant(required=True, allow_none=True)
    #: the squad these figures count (null: the whole community); a squad has no survival and
    #: no cohorts, and its challenge's settled days count its own enrollments
    squad = fields.Nested(HealthSquadSchema, required=True, allow_none=True)
    #: the community's squads (not dissolved), for ``?squad=``
    squads = fields.List(fields.Nested(HealthSquadSchema), required=True)
