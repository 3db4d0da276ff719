"""/api/v1/auth: register, log in (issue a token), log out (revoke it), reset a forgotten password."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from habits.api.docs import problems
from habits.api.edge import commit
from habits.api.schemas.members import MemberSchema, RegisterSchema, TokenCreateSchema, TokenSchema
from habits.api.schemas.password_reset import PasswordResetConfirmSchema, PasswordResetRequestSchema
from habits.api.security import auth_required, current_token
from habits.mail.compose import compose_mail, request_locale
from habits.services import email_verification, members, password_reset, tokens

auth_bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Registration and API tokens")


def password_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD") or members.DEFAULT_PASSWORD_METHOD


@auth_bp.route("/register", methods=["POST"])
@auth_bp.arguments(RegisterSchema)
@auth_bp.response(201, MemberSchema)
@problems(409)
def register(data):
    """Create a member account (then POST /auth/tokens to log in).

    A blank password, or one of the most common ones, is refused (422, on ``password``). Once the
    operator has published terms, ``terms_version`` accepts them: it must name the version in
    force (GET /api/v1/terms; 422 on ``terms_version`` otherwise). A link to verify the address is
    mailed to it."""
    return commit(
        email_verification.sign_up, **data, composer=compose_mail, password_method=password_method()
    )


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


@auth_bp.route("/password-reset", methods=["POST"])
@auth_bp.arguments(PasswordResetRequestSchema)
@auth_bp.response(202)
def request_password_reset(data):
    """Forgot password: a link that works once, for an hour, is mailed to the address if it is
    a member's. The answer is the same whether it is or not."""
    commit(
        password_reset.request_password_reset,
        email=data["email"],
        composer=compose_mail,
        locale=request_locale(),
    )


@auth_bp.route("/password-reset/confirm", methods=["POST"])
@auth_bp.arguments(PasswordResetConfirmSchema)
@auth_bp.response(204)
def confirm_password_reset(data):
    """Set a new password with the link's token; every web session and API token of the member
    ends. 422 on ``token`` for a link that is unknown, expired or used; on ``password`` for a
    blank or common password (the link then still works)."""
    commit(password_reset.reset_password, **data, password_method=password_method())
