"""/api/v1/me: the member's own profile."""

from __future__ import annotations

from flask_smorest import Blueprint

from habits.api.auth import password_method
from habits.api.docs import problems
from habits.api.edge import commit
from habits.api.schemas.members import MemberSchema, MemberUpdateSchema, PasswordChangeSchema
from habits.api.security import auth_required, current_member
from habits.services import members

members_bp = Blueprint("members", __name__, url_prefix="/api/v1/me", description="The member's profile")


@members_bp.route("", methods=["GET"])
@auth_required
@members_bp.response(200, MemberSchema)
def get_me():
    """The profile of the member the token belongs to."""
    return current_member()


@members_bp.route("", methods=["PATCH"])
@auth_required
@members_bp.arguments(MemberUpdateSchema)
@members_bp.response(200, MemberSchema)
def update_me(changes):
    """Change display name, time zone or locale; reminders (minutes before a window closes, or
    null for none) and the daily e-mail digest."""
    return commit(members.update_profile, current_member(), changes=changes)


@members_bp.route("/password", methods=["POST"])
@auth_required
@members_bp.arguments(PasswordChangeSchema)
@members_bp.response(204)
@problems(422)
def change_password(data):
    """Set a new password (not blank, not a common one); every API token and web sign-in of the
    member ends (log in again)."""
    commit(members.change_password, current_member(), **data, password_method=password_method())
