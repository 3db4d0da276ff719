"""Squads: a challenge's squads with their numbers, one squad's members and leaderboard (its feed
is the challenge feed's ``squad=``), the organizers' regrouping and its history."""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from habits.api.docs import problems
from habits.api.edge import commit, read
from habits.api.leaderboard import StandingSchema, standing_view
from habits.api.schemas.common import PageArgsSchema, UTCInstant, page_schema
from habits.api.security import auth_required, current_member
from habits.domain import squads as rules
from habits.extensions import db
from habits.services import leaderboard, visibility
from habits.services.squads import placing, reading

squads_bp = Blueprint("squads", __name__, url_prefix="/api/v1", description="Squads")

#: how many of a squad's standings its page shows (the whole board is the leaderboard's)
BOARD_SIZE = 50


class SquadSummarySchema(Schema):
    id = fields.Integer(required=True)
    challenge_id = fields.Integer(required=True)
    #: 1, 2, 3... ("Squad 3")
    number = fields.Integer(required=True)
    members = fields.Integer(required=True)
    #: members with a check-in that stands on today's day (0 before day 0)
    checked_in_today = fields.Integer(required=True)


class SquadListSchema(Schema):
    items = fields.List(fields.Nested(SquadSummarySchema), required=True)
    #: the caller's squad in this challenge, if any
    my_squad_id = fields.Integer(required=True, allow_none=True)
    squad_size = fields.Integer(required=True)


class SquadSchema(SquadSummarySchema):
    #: the squad's standings, the challenge leaderboard's order (first ``BOARD_SIZE``)
    leaderboard = fields.List(fields.Nested(StandingSchema), required=True)
    #: the squad's feed: the challenge feed filtered by ``squad``
    feed_url = fields.String(required=True)


class RegroupSchema(Schema):
    strategy = fields.String(required=True, validate=validate.OneOf(placing.STRATEGIES))
    #: the squads to split (default: all) or merge (two or more)
    squads = fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, 2**63 - 1)), validate=validate.Length(max=500)
    )
    #: the new squads' cap (default: the challenge's squad size)
    size = fields.Integer(strict=True, validate=validate.Range(rules.MIN_CAP, rules.MAX_CAP))


class SquadChangeSchema(Schema):
    id = fields.Integer(required=True)
    challenge_id = fields.Integer(required=True)
    #: placement (day 0) or the regrouping's strategy
    strategy = fields.String(required=True)
    #: who regrouped (null: day 0's placement)
    actor = fields.Dict(required=True, allow_none=True)
    moved = fields.Integer(required=True)
    squads_after = fields.Integer(required=True)
    created_at = UTCInstant(required=True)


SquadHistorySchema = page_schema(SquadChangeSchema, "SquadHistory")


def summary_view(numbers: reading.SquadNumbers) -> dict:
    squad = numbers.squad
    return {
        "id": squad.id,
        "challenge_id": squad.challenge_id,
        "number": squad.number,
        "members": numbers.members,
        "checked_in_today": numbers.checked_in_today,
    }


def change_view(change, actor_name: str | None) -> dict:
    return {
        "id": change.id,
        "challenge_id": change.challenge_id,
        "strategy": change.strategy,
        "actor": {"id": change.actor_id, "display_name": actor_name} if change.actor_id else None,
        "moved": change.moved,
        "squads_after": change.squads_after,
        "created_at": change.created_at,
    }


@squads_bp.route("/challenges/<id:challenge_id>/squads", methods=["GET"])
@auth_required
@squads_bp.response(200, SquadListSchema)
@problems(404)
def list_squads(challenge_id):
    """The challenge's squads with members and today's check-ins, and yours (its participants and
    the community's organizers)."""
    challenge, numbers, mine = read(reading.list_squads, challenge_id, current_member())
    return {
        "items": [summary_view(n) for n in numbers],
        "my_squad_id": mine,
        "squad_size": challenge.squad_size,
    }


@squads_bp.route("/squads/<id:squad_id>", methods=["GET"])
@auth_required
@squads_bp.response(200, SquadSchema)
@problems(404)
def get_squad(squad_id):
    """One squad: its numbers, its leaderboard and its feed's address (the challenge's
    participants and the community's organizers)."""
    squad, challenge = read(reading.visible_squad, squad_id, current_member())
    numbers = read(reading.numbers_of, challenge, squad)
    rows, _total = read(
        leaderboard.standings, challenge, current_member(), page=1, per_page=BOARD_SIZE, squad_id=squad.id
    )
    view = summary_view(numbers)
    view["leaderboard"] = [standing_view(s) for s in rows]
    view["feed_url"] = url_for("feed.challenge_feed", challenge_id=challenge.id, squad=squad.id)
    return view


@squads_bp.route("/challenges/<id:challenge_id>/squads/regroup", methods=["POST"])
@auth_required
@squads_bp.arguments(RegroupSchema)
@squads_bp.response(200, SquadChangeSchema)
@problems(403, 404, 409, 422)
def regroup(data, challenge_id):
    """Regroup the squads (organizers): ``match`` by answers, ``shuffle``, ``activity`` (who missed
    most of the last 7 days moves to a fresh squad), ``split`` or ``merge`` the chosen ``squads``.
    Nobody is lost or duplicated; every change is kept (``/squads/history``). Money never moves."""
    challenge = visibility.visible_challenge(db.session, challenge_id, current_member())
    change = commit(
        placing.regroup,
        challenge,
        current_member(),
        strategy=data["strategy"],
        squad_ids=data.get("squads"),
        size=data.get("size"),
    )
    return change_view(change, current_member().display_name)


@squads_bp.route("/challenges/<id:challenge_id>/squads/history", methods=["GET"])
@auth_required
@squads_bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@squads_bp.response(200, SquadHistorySchema)
@problems(404)
def squad_history(challenge_id, page, per_page):
    """Every placement and regrouping of the challenge's squads, newest first (its participants
    and the community's organizers)."""
    rows, total = read(reading.history, challenge_id, current_member(), page=page, per_page=per_page)
    return {
        "items": [change_view(change, name) for change, name in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
    }
