"""Enrollments: joining a challenge (and paying), reading one's own, today's status, quitting."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from habits import join_limits
from habits.api.docs import problems
from habits.api.edge import commit, read
from habits.api.schemas.common import PageArgsSchema
from habits.api.schemas.enrollments import (
    EnrollmentCreateSchema,
    EnrollmentPageSchema,
    EnrollmentSchema,
    JoinedSchema,
    TodaySchema,
)
from habits.api.security import auth_required, current_member
from habits.extensions import db
from habits.models import Community, Enrollment
from habits.services import challenges, checkins, enrollments
from habits.services.entry import QuizFailed

enrollments_bp = Blueprint("enrollments", __name__, url_prefix="/api/v1", description="Enrollments")

VIEW_FIELDS = (
    "id",
    "challenge_id",
    "member_id",
    "status",
    "misses",
    "deposit_minor",
    "currency",
    "rest_days_used",
    "payment_error",
    "joined_at",
    "activated_at",
    "withdrew_at",
)


def enrollment_view(enrollment: Enrollment) -> dict:
    view = {name: getattr(enrollment, name) for name in VIEW_FIELDS}
    money = enrollments.enrollment_money(db.session, enrollment)
    for name in ("held_minor", "returned_minor", "forfeited_minor", "won_minor"):
        view[name] = money.get(name, 0)
    return view


@enrollments_bp.route("/challenges/<id:challenge_id>/enrollments", methods=["POST"])
@auth_required
@enrollments_bp.arguments(EnrollmentCreateSchema, required=False)
@enrollments_bp.response(201, JoinedSchema)
@problems(403, 404, 409, 429)
def join_challenge(data, challenge_id):
    """Join a challenge: an enrollment ``pending_payment`` and the deposit's PaymentIntent.

    With ``pay_from_wallet`` the deposit is taken from the wallet and the enrollment is
    ``active`` at once (``payment`` is null). Joining an open community's challenge joins the
    community too; a community with entry rules must be joined first (403). A challenge with its
    own quiz and form (``entry``) asks for ``quiz_answers`` and ``form_answers`` here.
    """
    challenge = challenges.get_challenge(db.session, challenge_id)
    gateway = current_app.extensions.get("streakpot.gateway")
    try:
        joined = commit(
            enrollments.enroll,
            challenge,
            current_member(),
            gateway=gateway,
            pay_from_wallet=data["pay_from_wallet"],
            quiz_answers=data.get("quiz_answers"),
            form_answers=data.get("form_answers"),
        )
    except QuizFailed as refusal:
        community = db.session.get(Community, challenge.community_id)
        join_limits.count_failure(current_member().id, community=community, refusal=refusal)
        raise
    view = enrollment_view(joined.enrollment)
    view["payment"] = joined.payment
    return view


@enrollments_bp.route("/me/enrollments", methods=["GET"])
@auth_required
@enrollments_bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@enrollments_bp.response(200, EnrollmentPageSchema)
def list_my_enrollments(page, per_page):
    """The member's own enrollments, newest first."""
    items, total = enrollments.list_own_enrollments(
        db.session, current_member(), page=page, per_page=per_page
    )
    return {"items": [enrollment_view(e) for e in items], "total": total, "page": page, "per_page": per_page}


@enrollments_bp.route("/enrollments/<id:enrollment_id>", methods=["GET"])
@auth_required
@enrollments_bp.response(200, EnrollmentSchema)
@problems(404)
def get_enrollment(enrollment_id):
    """The member's own enrollment and its money, from the ledger (404 for anyone else's)."""
    return enrollment_view(enrollments.own_enrollment(db.session, enrollment_id, current_member()))


@enrollments_bp.route("/enrollments/<id:enrollment_id>/today", methods=["GET"])
@auth_required
@enrollments_bp.response(200, TodaySchema)
@problems(404)
def get_today(enrollment_id):
    """Today: is the window open, which day, checked in yet, the next window, the code word."""
    enrollment = enrollments.own_enrollment(db.session, enrollment_id, current_member())
    return read(checkins.today, enrollment)


@enrollments_bp.route("/enrollments/<id:enrollment_id>/withdrawal", methods=["POST"])
@auth_required
@enrollments_bp.response(200, EnrollmentSchema)
@problems(404)
def withdraw(enrollment_id):
    """Quit the challenge.

    Before day 0's window opens the whole deposit goes back to the wallet; after it, the rest
    of the deposit is forfeited at the next day settled. Quitting again changes nothing.
    """
    enrollment = enrollments.own_enrollment(db.session, enrollment_id, current_member())
    return enrollment_view(commit(enrollments.withdraw, enrollment))
