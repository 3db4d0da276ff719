"""GET /api/v1/challenges/{id}/leaderboard: a challenge's standings, and their schema.

The order and the streak rule are the service's (``habits.services.leaderboard``).
"""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from habits.api.docs import problems
from habits.api.edge import read
from habits.api.schemas.common import PageArgsSchema, page_schema
from habits.api.schemas.enrollments import STATUSES
from habits.api.schemas.members import PublicMemberSchema
from habits.api.security import auth_required, current_member
from habits.extensions import db
from habits.services import challenges, leaderboard

leaderboard_bp = Blueprint("leaderboard", __name__, url_prefix="/api/v1", description="Leaderboard")


class StandingSchema(Schema):
    rank = fields.Integer(required=True)
    enrollment_id = fields.Integer(required=True)
    member = fields.Nested(PublicMemberSchema, required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    #: check-ins that count for money (voided ones excluded)
    check_ins = fields.Integer(required=True)
    streak = fields.Integer(required=True)


LeaderboardSchema = page_schema(StandingSchema, "Leaderboard")


def standing_view(s: leaderboard.Standing) -> dict:
    return {
        "rank": s.rank,
        "enrollment_id": s.enrollment_id,
        "member": {"id": s.member_id, "display_name": s.display_name},
        "status": s.status,
        "check_ins": s.check_ins,
        "streak": s.streak,
    }


@leaderboard_bp.route("/challenges/<id:challenge_id>/leaderboard", methods=["GET"])
@auth_required
@leaderboard_bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@leaderboard_bp.response(200, LeaderboardSchema)
@problems(404)
def get_leaderboard(challenge_id, page, per_page):
    """Standings: check-ins that count for money, then the current streak, then who joined first
    (the challenge's participants and the community's organizers)."""
    challenge = challenges.get_challenge(db.session, challenge_id)
    rows, total = read(leaderboard.standings, challenge, current_member(), page=page, per_page=per_page)
    items = [standing_view(s) for s in rows]
    return {"items": items, "total": total, "page": page, "per_page": per_page}
