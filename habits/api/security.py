"""Bearer-token authentication for the JSON API.

``Authorization: Bearer <token>``; the token is looked up by its SHA-256 (tokens.hash_token).
Anonymous, unknown, expired and revoked tokens all get the same 401 problem document, with
``WWW-Authenticate: Bearer`` (added for every /api/ 401 by ``add_www_authenticate``).
"""

from __future__ import annotations

import functools

from flask import request
from werkzeug.exceptions import Unauthorized

from habits.api.docs import problems
from habits.api.edge import request_now
from habits.extensions import db
from habits.fastpath.openapi_docs import document
from habits.models import ApiToken, Member
from habits.services import tokens

WWW_AUTHENTICATE = 'Bearer realm="streakpot"'
#: the OpenAPI security requirement every protected operation carries
SECURITY = [{"bearerAuth": []}]
# Per request in the WSGI environ (not ``g``, which an app context can carry across requests).
_AUTH_KEY = "streakpot.auth"
_HASH_KEY = "streakpot.token_hash"


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def bearer_token_hash() -> str | None:
    """The SHA-256 of the request's bearer token (kept for the request: the rate limit and the
    check-in both key on it), or None."""
    found = request.environ.get(_HASH_KEY, False)
    if found is False:
        token = bearer_token()
        found = request.environ[_HASH_KEY] = tokens.hash_token(token) if token else None
    return found


def authenticate_request() -> Member:
    """Resolve the request's bearer token to its member (kept for the request) or raise 401."""
    found = request.environ.get(_AUTH_KEY)
    if found is not None:
        return found[0]
    token = bearer_token()
    found = tokens.authenticate(db.session, token, now=request_now()) if token else None
    if found is None:
        raise Unauthorized(
            "This needs a valid API token: send 'Authorization: Bearer <token>' "
            "(POST /api/v1/auth/tokens issues one)."
        )
    request.environ[_AUTH_KEY] = found
    return found[0]


def auth_required(view):
    """Refuse the request with 401 unless it carries a live bearer token.

    Put it right under ``@bp.route`` so authentication runs before the body is parsed (an
    anonymous caller learns nothing about the body's rules). It also documents the operation's
    security requirement and its 401 response in the OpenAPI document.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        authenticate_request()
        return view(*args, **kwargs)

    return problems(401)(document(wrapper, security=SECURITY))


def current_member() -> Member:
    """The authenticated member of this request (only inside ``auth_required`` views)."""
    return _authenticated()[0]


def current_token() -> ApiToken:
    """The ApiToken row this request authenticated with."""
    return _authenticated()[1]


def _authenticated() -> tuple[Member, ApiToken]:
    found = request.environ.get(_AUTH_KEY)
    if found is None:
        raise RuntimeError("no authenticated member: use this inside an auth_required view")
    return found


def token_or_address() -> str:
    """Rate-limit key: the bearer token's hash when there is one (one member), else the address.

    Hashing rather than a lookup keeps the limiter off the database; a made-up token only
    limits itself, and the route still answers it with 401.
    """
    token_hash = bearer_token_hash()
    if token_hash:
        return "token:" + token_hash
    return "ip:" + (request.remote_addr or "unknown")


def add_www_authenticate(response):
    """RFC 6750: a 401 names the scheme the client should use."""
    if (
        response.status_code == 401
        and request.path.startswith("/api/")
        and "WWW-Authenticate" not in response.headers
    ):
        response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response
