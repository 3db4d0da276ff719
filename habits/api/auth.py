"""/api/v1/auth: register, log in (issue a token), log out (revoke it)."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from habits.api.docs import problems
from habits.api.edge import commit
from habits.api.schemas.members import MemberSchema, RegisterSchema, TokenCreateSchema, TokenSchema
from habits.api.security import auth_required, current_token
from habits.services import members, tokens

auth_bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Registration and API tokens")


def password_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD") or members.DEFAULT_PASSWORD_METHOD


@auth_bp.route("/register", methods=["POST"])
@auth_bp.arguments(RegisterSchema)
@auth_bp.response(201, MemberSchema)
@problems(409)
def register(data):
    """Create a member account (then POST /auth/tokens to log in).

    A blank password, or one of the most common ones, is refused (422, on ``password``)."""
    return commit(members.register_member, **data, password_method=password_method())


@auth_bp.route("/tokens", methods=["POST"])
@auth_bp.arguments(TokenCreateSchema)
@auth_bp.response(201, TokenSchema)
@problems(401)
def create_token(data):
    """Log in: exchange email and password for a bearer token (shown once)."""
    ttl_days = current_app.config.get("API_TOKEN_TTL_DAYS", tokens.DEFAULT_TTL_DAYS)
    return commit(members.log_in, **data, ttl_days=ttl_days, password_method=password_method())


@auth_bp.route("/tokens/current", methods=["DELETE"])
@auth_required
@auth_bp.response(204)
def revoke_current_token():
    """Log out: revoke the token this request carries."""
    commit(tokens.revoke_token, current_token())
