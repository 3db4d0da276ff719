"""Each request: an id, one JSON log line, and its latency in the metrics.

The id is the proxy's ``X-Request-ID`` when the proxy is trusted (``PROXY_COUNT`` > 0: the same
trust that lets ``X-Forwarded-For`` name the client; the proxy must set the header itself, e.g.
nginx ``proxy_set_header X-Request-ID $request_id``), otherwise one made here. It is echoed in the
response's ``X-Request-ID`` and carried by every log line of the request.

The line names the route by its endpoint and rule, never the path (paths hold one-time link
tokens), and never a header, a query string, a body or a cookie: nothing secret is logged here.
On the check-in's hot path this costs a histogram observation and one log line.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request
from sqlalchemy import inspect

from habits.logging_setup import current_request_id
from habits.observability.metrics import REQUEST_SECONDS

log = logging.getLogger("habits.request")

HEADER = "X-Request-ID"
_ID_KEY = "streakpot.request_id"
_STARTED_KEY = "streakpot.started"
#: the API's authenticated (member, token) for the request (habits/api/security.py keeps it there)
_API_AUTH_KEY = "streakpot.auth"
#: what a proxy's id may look like (nginx's $request_id is 32 hex digits; UUIDs, ULIDs fit too)
_PROXY_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


class RequestContext:
    """WSGI middleware: stamps the request's start and id before Flask runs anything, so even a
    request a before-request hook refuses is timed and every log line carries its id."""

    def __init__(self, wsgi_app, *, trust_proxy_header: bool):
        self.wsgi_app = wsgi_app
        self.trust_proxy_header = trust_proxy_header

    def __call__(self, environ, start_response):
        environ[_STARTED_KEY] = time.perf_counter()
        request_id = None
        if self.trust_proxy_header:
            offered = environ.get("HTTP_X_REQUEST_ID", "")
            if _PROXY_ID.fullmatch(offered):
                request_id = offered
        environ[_ID_KEY] = request_id = request_id or uuid.uuid4().hex
        token = current_request_id.set(request_id)
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            current_request_id.reset(token)


def _member_id() -> int | None:
    """The member the request acted as, when it is known without a query: the API's token
    holder, or the signed-in page visitor Flask-Login loaded (never loaded here for the log)."""
    found = request.environ.get(_API_AUTH_KEY)
    member = found[0] if found else g.get("_login_user")
    state = inspect(member, raiseerr=False) if member is not None else None
    if state is None:  # nobody, or Flask-Login's anonymous visitor (not a row)
        return None
    identity = state.identity  # the primary key, without refreshing an expired row
    return identity[0] if identity else None


def finish_request(response: Response) -> Response:
    started = request.environ.get(_STARTED_KEY)
    seconds = time.perf_counter() - started if started is not None else 0.0
    route = request.endpoint or "unmatched"
    REQUEST_SECONDS.labels(route=route, status=str(response.status_code)).observe(seconds)
    request_id = request.environ.get(_ID_KEY)
    if request_id:
        response.headers[HEADER] = request_id
    log.info(
        "%s %s %s",
        request.method,
        route,
        response.status_code,
        extra={
            "method": request.method,
            "route": route,
            "rule": request.url_rule.rule if request.url_rule is not None else None,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
            "member_id": _member_id(),
        },
    )
    return response


def init_request_observation(app: Flask) -> None:
    app.after_request(finish_request)
    # Inside ProxyFix (added later, outermost): the proxy header is judged by PROXY_COUNT alone.
    app.wsgi_app = RequestContext(app.wsgi_app, trust_proxy_header=app.config["PROXY_COUNT"] > 0)
