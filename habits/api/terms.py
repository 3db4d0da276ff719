"""/api/v1/terms and /api/v1/me/terms-acceptance: the operator's terms, and accepting them.

Sign-up accepts them (``terms_version`` on POST /auth/register); a member who has not accepted
the version in force is refused a deposit (409 ``terms_not_accepted``, with ``terms_version``)
until they accept it here. Rules: ``habits.services.terms``.
"""

from __future__ import annotations

from flask import abort
from flask_smorest import Blueprint

from habits.api.docs import problems
from habits.api.edge import commit, read
from habits.api.schemas.account_data import TermsAcceptanceSchema, TermsAcceptedSchema, TermsSchema
from habits.api.security import auth_required, current_member
from habits.domain.instants import rfc3339_utc
from habits.services import terms

terms_bp = Blueprint("terms", __name__, url_prefix="/api/v1", description="Terms of service")


def _current_terms(session, *, now):
    return terms.current_terms(session)


@terms_bp.route("/terms", methods=["GET"])
@terms_bp.response(200, TermsSchema)
@problems(404)
def get_terms():
    """The terms in force (no token needed: read them before registering); 404 while the
    operator has published none."""
    current = read(_current_terms)
    if current is None:
        abort(404, "No terms are published on this server.")
    published_at = rfc3339_utc(current.published_at)
    return {"version": current.version, "body": current.body, "published_at": published_at}


@terms_bp.route("/me/terms-acceptance", methods=["POST"])
@auth_required
@terms_bp.arguments(TermsAcceptanceSchema)
@terms_bp.response(201, TermsAcceptedSchema)
@problems(422)
def accept_terms(data):
    """Accept the terms in force, named by their version (422 on ``terms_version`` for any other
    version: read them again). Accepting again changes nothing."""
    accepted = commit(terms.accept_terms, current_member(), version=data["terms_version"])
    return {"version": accepted.version, "accepted_at": rfc3339_utc(accepted.accepted_at)}
