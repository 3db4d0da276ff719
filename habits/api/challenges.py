"""/api/v1/challenges/{id}: rules, status, counts and pot; changing the rules; cancelling before day 0;
the leaderboard."""

from __future__ import annotations

from flask_smorest import Blueprint

from habits.api.docs import problems
from habits.api.edge import commit
from habits.api.schemas.challenges import ChallengeSchema, ChallengeUpdateSchema
from habits.api.schemas.entry import quiz_view
from habits.api.security import auth_required, current_member
from habits.domain.calendar import format_hhmm
from habits.extensions import db
from habits.models import Challenge, Member
from habits.services import challenges, communities, visibility

challenges_bp = Blueprint("challenges", __name__, url_prefix="/api/v1/challenges", description="Challenges")


def challenge_views(items: list[Challenge], viewer: Member) -> list[dict]:
    mine = challenges.enrollment_ids_of(db.session, viewer.id, [challenge.id for challenge in items])
    views = []
    for challenge in items:
        view = {
            name: getattr(challenge, name) for name in ChallengeSchema().fields if hasattr(challenge, name)
        }
        view.update(
            window_open=format_hhmm(challenge.open_minute),
            window_close=format_hhmm(challenge.close_minute),
            counts=challenges.enrollment_counts(db.session, challenge),
            pot_minor=challenges.pot_minor(db.session, challenge),
            my_enrollment_id=mine.get(challenge.id),
            entry={
                "quiz": quiz_view(
                    challenge.entry_quiz,
                    organizing=bool(challenge.entry_quiz)
                    and communities.is_organizing(db.session, challenge.community_id, viewer.id),
                ),
                "form": challenge.entry_form,
            },
        )
        views.append(view)
    return views


def challenge_view(challenge: Challenge, viewer: Member) -> dict:
    return challenge_views([challenge], viewer)[0]


@challenges_bp.route("/<id:challenge_id>", methods=["GET"])
@auth_required
@challenges_bp.response(200, ChallengeSchema)
@problems(404)
def get_challenge(challenge_id):
    """A challenge's rules, status, enrollment counts and pot (members of its community)."""
    return challenge_view(
        visibility.visible_challenge(db.session, challenge_id, current_member()), current_member()
    )


@challenges_bp.route("/<id:challenge_id>", methods=["PATCH"])
@auth_required
@challenges_bp.arguments(ChallengeUpdateSchema)
@challenges_bp.response(200, ChallengeSchema)
@problems(403, 404, 409)
def update_challenge(changes, challenge_id):
    """Change a challenge (organizers). Money rules freeze when day 0's window opens (409)."""
    challenge = visibility.visible_challenge(db.session, challenge_id, current_member())
    commit(challenges.update_challenge, challenge, current_member(), changes=changes)
    return challenge_view(challenge, current_member())


@challenges_bp.route("/<id:challenge_id>/cancel", methods=["POST"])
@auth_required
@challenges_bp.response(200, ChallengeSchema)
@problems(403, 404, 409)
def cancel_challenge(challenge_id):
    """Cancel a challenge before day 0's window opens (organizers): every deposit goes back in full
    to its member's wallet. Cancelling again changes nothing; 409 once day 0's window has opened."""
    challenge = visibility.visible_challenge(db.session, challenge_id, current_member())
    commit(challenges.cancel_challenge, challenge, current_member())
    return challenge_view(challenge, current_member())
