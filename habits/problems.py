"""RFC 9457 problem documents: the one error shape every JSON client of ours sees."""

from __future__ import annotations

import logging

from flask import Response, json, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from habits.services.errors import HabitsError

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/webhooks/", "/healthz", "/readyz", "/metrics")


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    errors: dict | None = None,
    type_: str | None = None,
    headers: dict | None = None,
    **extra,
) -> Response:
    body = {"type": type_ or "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def wants_json() -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def field_errors(exc: HTTPException) -> dict | None:
    """Flatten webargs' {"json": {"field": [...]}} into {"field": [...]}; a nested object's or a
    list's fields by their path, {"entry": {"quiz": {"pass_mark": [...]}}} as
    {"entry.quiz.pass_mark": [...]}, so each message stays a list under one name."""
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if not messages:
        return None
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            _flatten(fields, "", flat)
        else:
            flat[location] = fields
    return flat


def _flatten(fields: dict, prefix: str, flat: dict) -> None:
    for name, value in fields.items():
        # an object's own errors (marshmallow's ``_schema``) are the object's: under its name
        path = prefix.rstrip(".") if name == "_schema" and prefix else f"{prefix}{name}"
        plain_items = isinstance(value, dict) and all(
            isinstance(index, int) and isinstance(item, list) for index, item in value.items()
        )
        if plain_items:
            # a list of plain values: its items' messages under the list's own name
            flat[path] = [message for index in sorted(value) for message in value[index]]
        elif isinstance(value, dict):
            _flatten(value, f"{path}.", flat)
        else:
            flat[path] = value


TITLES_FOR_FIELD_ERRORS = {400: "Malformed request", 422: "Invalid input"}


def http_problem(exc: HTTPException) -> Response:
    status = exc.code or 500
    errors = field_errors(exc)
    title = TITLES_FOR_FIELD_ERRORS.get(status, exc.name) if errors else exc.name
    detail = exc.description if not errors else None
    if errors and status == 400:
        default = "The request body is not valid JSON." if "json" in errors else None
        detail = getattr(exc, "problem_detail", default)
    headers = {}
    if exc.response is not None and exc.response.headers.get("Retry-After"):
        headers["Retry-After"] = exc.response.headers["Retry-After"]
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    return problem(status, title, detail, errors=errors, headers=headers)


def handle_http_exception(exc: HTTPException):
    if wants_json():
        return http_problem(exc)
    return render_template("errors/error.html", error=exc), exc.code or 500


def handle_habits_error(exc: HabitsError):
    """A service refused (HabitsError): 404/403/409/422 with what the member needs to know, and
    the refusal's stable ``code`` (an RFC 9457 extension member clients may switch on); a
    refusal that passes (a store that cannot be reached) says when to retry."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    if wants_json():
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            errors=exc.errors,
            headers=headers,
            **{**exc.extra, "code": exc.code},
        )
    return render_template("errors/error.html", error=exc, status=exc.status), exc.status, headers


def handle_unexpected(exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    error = InternalServerError()
    if wants_json():
        return http_problem(error)
    return render_template("errors/error.html", error=error), 500


def register_error_handlers(app) -> None:
    app.register_error_handler(HabitsError, handle_habits_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
