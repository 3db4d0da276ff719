"""/api/v1/me: the member's own profile."""

from __future__ import annotations

from flask_smorest import Blueprint

from habits.api.auth import password_method
from habits.api.docs import problems
from habits.api.edge import commit, read
from habits.api.schemas.members import MemberSchema, MemberUpdateSchema, PasswordChangeSchema
from habits.api.security import auth_required, current_member
from habits.mail.compose import compose_mail
from habits.models import Member
from habits.services import email_change, members

members_bp = Blueprint("members", __name__, url_prefix="/api/v1/me", description="The member's profile")


@members_bp.route("", methods=["GET"])
@auth_required
@members_bp.response(200, MemberSchema)
def get_me():
    """The profile of the member the token belongs to."""
    return profile(current_member())


@members_bp.route("", methods=["PATCH"])
@auth_required
@members_bp.arguments(MemberUpdateSchema)
@members_bp.response(200, MemberSchema)
@problems(409, 429)
def update_me(changes):
    """Change display name, time zone, language (``locale``), region, reminders (minutes before a
    window closes, or null for none) and the daily e-mail digest now; an ``email`` is only
    asked for: it takes effect when the link mailed to it is followed, and the old address is
    told (``pending_email`` shows it until then). 409 when another account has that address,
    429 after too many address changes in a day."""
    member = commit(email_change.update_account, current_member(), changes=changes, composer=compose_mail)
    return profile(member)


def profile(member: Member) -> dict:
    """The member's profile with the address waiting for confirmation."""
    fields = {name: getattr(member, name) for name in MemberSchema().fields if name != "pending_email"}
    return {**fields, "pending_email": read(email_change.pending_email, member)}


@members_bp.route("/password", methods=["POST"])
@auth_required
@members_bp.arguments(PasswordChangeSchema)
@members_bp.response(204)
@problems(422)
def change_password(data):
    """Set a new password (not blank, not a common one); every API token and web sign-in of the
    member ends (log in again)."""
    commit(members.change_password, current_member(), **data, password_method=password_method())
