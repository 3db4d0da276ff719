"""Rate limits of the API (Flask-Limiter; storage from RATELIMIT_STORAGE_URI).

Each limit is a setting, read when the request is checked, with these defaults:

=====================  ======================  =====================================
setting                default                 keyed by
=====================  ======================  =====================================
RATELIMIT_LOGIN        10/minute;100/hour      client address
RATELIMIT_REGISTER     10/minute;100/hour      client address
RATELIMIT_CHECKIN      30/minute               bearer token (one member), else address
=====================  ======================  =====================================

Under gunicorn with several workers, memory storage counts per worker: production points
RATELIMIT_STORAGE_URI at Redis so a limit holds across workers and machines.
"""

from __future__ import annotations

import time

from flask import Response, current_app
from flask_limiter.util import get_remote_address

from habits.api.docs import problems
from habits.api.security import token_or_address
from habits.extensions import limiter

DEFAULTS = {
    "RATELIMIT_LOGIN": "10/minute;100/hour",
    "RATELIMIT_REGISTER": "10/minute;100/hour",
    "RATELIMIT_CHECKIN": "30/minute",
}


def _setting(name: str):
    return lambda: current_app.config.get(name) or DEFAULTS[name]


def _retry_after(request_limit) -> Response:
    """Carry Retry-After (seconds) into the 429 problem document (problems.http_problem keeps it)."""
    seconds = max(1, int(request_limit.reset_at - time.time()))
    return Response(status=429, headers={"Retry-After": str(seconds)})


def _limit(setting: str, key_func):
    decorate = limiter.limit(_setting(setting), key_func=key_func, on_breach=_retry_after)
    return lambda view: problems(429)(decorate(view))


login_limit = _limit("RATELIMIT_LOGIN", get_remote_address)
register_limit = _limit("RATELIMIT_REGISTER", get_remote_address)
checkin_limit = _limit("RATELIMIT_CHECKIN", token_or_address)
