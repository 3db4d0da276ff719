"""A member's progress: streaks, level, badges, finished challenges (habits.services.progress)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from habits.api.schemas.common import UTCInstant
from habits.api.schemas.enrollments import STATUSES
from habits.api.schemas.members import PublicMemberSchema
from habits.domain.levels import Badge


class StreakSchema(Schema):
    current = fields.Integer(required=True)
    best = fields.Integer(required=True)


class LevelSchema(Schema):
    number = fields.Integer(required=True)
    #: English; the pages show it in the reader's language
    name = fields.String(required=True)
    #: cumulative valid check-ins, every challenge
    valid_check_ins = fields.Integer(required=True)
    #: the valid check-ins the next level needs (null at the top)
    next_at = fields.Integer(required=True, allow_none=True)


class ChallengeRefSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    community_id = fields.Integer(required=True)


class ChallengeProgressSchema(Schema):
    challenge = fields.Nested(ChallengeRefSchema, required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    streak = fields.Nested(StreakSchema, required=True)
    valid_check_ins = fields.Integer(required=True)


class CommunityRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class CommunityProgressSchema(Schema):
    community = fields.Nested(CommunityRefSchema, required=True)
    #: dates in the member's own zone (SPEC)
    streak = fields.Nested(StreakSchema, required=True)


class BadgeSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([b.value for b in Badge]))
    awarded_at = UTCInstant(required=True)
    challenge = fields.Nested(ChallengeRefSchema, required=True)
    #: the challenge day it was earned on (the riser badges are for that day)
    day_index = fields.Integer(required=True, allow_none=True)


class ProgressSchema(Schema):
    member = fields.Nested(PublicMemberSchema, required=True)
    level = fields.Nested(LevelSchema, required=True)
    challenges = fields.List(fields.Nested(ChallengeProgressSchema), required=True)
    communities = fields.List(fields.Nested(CommunityProgressSchema), required=True)
    badges = fields.List(fields.Nested(BadgeSchema), required=True)
    #: ids of the challenges the member completed (in ``challenges``)
    finished_challenge_ids = fields.List(fields.Integer(), required=True)
