"""GET /api/v1/me/progress and /api/v1/members/{id}/progress (API.md, "Presence and progress").

Who sees what (SPEC): one's own progress; another member's within the challenges the caller
takes part in or whose community they organize, 404 when there is none. The rules:
``habits.services.progress``.
"""

from __future__ import annotations

from dataclasses import asdict

from flask_smorest import Blueprint

from habits.api.docs import problems
from habits.api.edge import read
from habits.api.schemas.progress import ProgressSchema
from habits.api.security import auth_required, current_member
from habits.services import progress as progresses

progress_bp = Blueprint("progress", __name__, url_prefix="/api/v1", description="Progress")


def _challenge(challenge) -> dict:
    return {"id": challenge.id, "title": challenge.title, "community_id": challenge.community_id}


def view_of(p: progresses.Progress) -> dict:
    return {
        "member": {"id": p.member.id, "display_name": p.member.display_name},
        "level": asdict(p.level),
        "challenges": [
            {
                "challenge": _challenge(c.challenge),
                "status": c.status,
                "streak": asdict(c.streak),
                "valid_check_ins": c.valid_check_ins,
            }
            for c in p.challenges
        ],
        "communities": [
            {"community": {"id": c.community.id, "name": c.community.name}, "streak": asdict(c.streak)}
            for c in p.communities
        ],
        "badges": [
            {
                "kind": b.kind,
                "awarded_at": b.awarded_at,
                "challenge": _challenge(b.challenge),
                "day_index": b.day_index,
            }
            for b in p.badges
        ],
        "finished_challenge_ids": [c.challenge.id for c in p.finished],
    }


@progress_bp.route("/me/progress", methods=["GET"])
@auth_required
@progress_bp.response(200, ProgressSchema)
def my_progress():
    """The caller's streaks (current and best, per challenge and per community, the latter in
    their own zone), level, badges and finished challenges."""
    me = current_member()
    return view_of(read(progresses.member_progress, me.id, me))


@progress_bp.route("/members/<id:member_id>/progress", methods=["GET"])
@auth_required
@progress_bp.response(200, ProgressSchema)
@problems(404)
def member_progress(member_id):
    """Another member's progress within the challenges the caller takes part in (any enrollment)
    or whose community they organize; 404 when there is none."""
    return view_of(read(progresses.member_progress, member_id, current_member()))
