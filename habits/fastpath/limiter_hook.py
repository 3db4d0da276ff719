"""Flask-Limiter's per-request hook, made to step aside for views that count themselves.

``Limiter.init_app`` (Flask-Limiter 4.1) registers the bound method ``_check_request_limit`` as a
before-request hook of the app. For an endpoint whose named limit the app spends from the
limiter's storage itself (every write endpoint, habits/ratelimits.py; the check-in among them)
that hook only finds no limit, at about a twentieth of a tap's CPU. Flask-
Limiter's public ``request_filter`` is consulted inside the hook, after the endpoint lookups
that cost, so the hook itself is wrapped here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Flask
from flask_limiter import Limiter


def skip_request_limit_hook(app: Flask, limiter: Limiter, skip: Callable[[], bool]) -> bool:
    """Make ``limiter``'s before-request hook on ``app`` do nothing while ``skip()`` is true.

    Returns whether the hook was there (it is not when rate limiting is disabled). Should a
    Flask-Limiter release rename it, nothing is wrapped and requests only cost a little more
    (the internals test says so, loudly).
    """
    hooks = app.before_request_funcs.get(None, [])
    check_request_limit = getattr(limiter, "_check_request_limit", None)
    found = False
    for index, hook in enumerate(hooks):
        if check_request_limit is not None and hook == check_request_limit:
            hooks[index] = _unless(skip, hook)
            found = True
    return found


def _unless(skip: Callable[[], bool], hook: Callable[[], None]) -> Callable[[], None]:
    @functools.wraps(hook)
    def check_request_limit() -> None:
        if not skip():
            hook()

    return check_request_limit
