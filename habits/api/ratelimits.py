"""Rate limits of the API (storage from RATELIMIT_STORAGE_URI: memory, or Redis in production).

Each limit is a setting, read when the request is checked, with these defaults:

=====================  ======================  =====================================
setting                default                 keyed by
=====================  ======================  =====================================
RATELIMIT_LOGIN        10/minute;100/hour      client address
RATELIMIT_REGISTER     10/minute;100/hour      client address
RATELIMIT_CHECKIN      30/minute               bearer token (one member), else address
=====================  ======================  =====================================

RATELIMIT_PASSWORD_RESET (default 5/minute;20/hour, per client address) limits each of
/auth/password-reset and /auth/password-reset/confirm.

A refused request gets a 429 problem document with ``Retry-After`` (seconds). Under gunicorn
with several workers, memory storage counts per worker: production points RATELIMIT_STORAGE_URI
at Redis so a limit holds across workers and machines.

Login and registration use Flask-Limiter's decorator. The check-in, the hot path of the
wake-up spike, asks the same storage directly (``limiter.limiter.hit``): one storage call and
none of the decorator's per-request bookkeeping, which profiling showed to cost about a quarter
of a check-in's CPU.
"""

from __future__ import annotations

import functools
import time

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from habits.api.docs import problems
from habits.api.security import token_or_address
from habits.extensions import limiter
from habits.fastpath.limiter_hook import skip_request_limit_hook

DEFAULTS = {
    "RATELIMIT_LOGIN": "10/minute;100/hour",
    "RATELIMIT_REGISTER": "10/minute;100/hour",
    "RATELIMIT_CHECKIN": "30/minute",
    "RATELIMIT_PASSWORD_RESET": "5/minute;20/hour",
}


def _setting(name: str) -> str:
    return current_app.config.get(name) or DEFAULTS[name]


def _retry_after_response(reset_at: float) -> Response:
    """Carry Retry-After (seconds) into the 429 problem document (problems.http_problem keeps it)."""
    seconds = max(1, int(reset_at - time.time()))
    return Response(status=429, headers={"Retry-After": str(seconds)})


def _limit(setting: str, key_func):
    decorate = limiter.limit(
        lambda: _setting(setting),
        key_func=key_func,
        on_breach=lambda request_limit: _retry_after_response(request_limit.reset_at),
    )
    return lambda view: problems(429)(decorate(view))


@functools.lru_cache(maxsize=32)
def _parsed(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def _direct_limit(setting: str, scope: str, key_func):
    """Check ``setting``'s limits against the limiter's storage before the view runs."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if limiter.enabled:
                key = key_func()
                strategy = limiter.limiter
                for item in _parsed(_setting(setting)):
                    if not strategy.hit(item, scope, key):
                        reset_at = strategy.get_window_stats(item, scope, key).reset_time
                        raise TooManyRequests(
                            f"Too many check-ins: {item}.", response=_retry_after_response(reset_at)
                        )
            return view(*args, **kwargs)

        wrapper.limits_itself = True
        return problems(429)(wrapper)

    return decorate


def skip_middleware_for_self_limiting_views(app) -> None:
    """Flask-Limiter checks every request for route limits in a before-request hook; a view with
    a direct limit counts itself, so for it that hook would only find nothing, at about a
    twentieth of a check-in's CPU. The hook steps aside for those views (fastpath.limiter_hook;
    no hook when RATELIMIT_ENABLED is false)."""
    skip_request_limit_hook(app, limiter, _view_limits_itself)


def _view_limits_itself() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "limits_itself", False)


login_limit = _limit("RATELIMIT_LOGIN", get_remote_address)
register_limit = _limit("RATELIMIT_REGISTER", get_remote_address)
password_reset_limit = _limit("RATELIMIT_PASSWORD_RESET", get_remote_address)
checkin_limit = _direct_limit("RATELIMIT_CHECKIN", "checkin", token_or_address)
