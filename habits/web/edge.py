"""The commit boundary of the pages: call one service, commit, or roll back and tell the member why.

Services flush and never commit (STYLE 4.4). A page calls ``attempt(service, ...)``: on success
the work is committed and the result returned; a HabitsError (a refusal the member can act on)
rolls back, flashes a friendly message and copies field errors onto the form, so nothing the
member typed is ever a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, request
from flask_login import current_user

from habits.extensions import db
from habits.models import Member
from habits.services.errors import HabitsError
from habits.unit_of_work import commit, read, request_now  # noqa: F401  (the edge's API)
from habits.web.refusals import field_message, friendly_error

#: where the payments package keeps the gateway (the web may not import it: it imports stripe)
GATEWAY = "streakpot.gateway"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    value: Any = None
    error: HabitsError | None = None


#: aliases from service field names (the API's) to the form fields that show them
FIELD_ALIASES = {"deposit_minor": "deposit", "fee_bps": "fee_percent", "amount_minor": "amount"}


def attempt(service: Callable[..., Any], *args, form=None, context: dict | None = None, **kwargs) -> Outcome:
    """``commit`` the service; on a HabitsError roll back, flash why and mark the form's fields."""
    try:
        return Outcome(True, commit(service, *args, **kwargs))
    except HabitsError as exc:
        flash(friendly_error(exc, **(context or {})), "error")
        if form is not None:
            attach_field_errors(form, exc.errors)
        return Outcome(False, error=exc)


def attach_field_errors(form, errors: dict | None) -> None:
    """A refusal's field errors on the form's fields, each translated by its code."""
    for name, messages in (errors or {}).items():
        field = getattr(form, FIELD_ALIASES.get(name, name), None)
        if field is None or not hasattr(field, "errors"):
            continue
        if isinstance(messages, str):
            messages = [messages]
        field.errors = list(field.errors or []) + [field_message(message) for message in messages]


def gateway():
    return current_app.extensions.get(GATEWAY)


def me():
    """The signed-in member (views using it are ``login_required``)."""
    # the Member itself, not Flask-Login's proxy: the user loader put it in this session
    return db.session.get(Member, current_user.id)


def found(value):
    """404 for a missing object (pages show the friendly 404)."""
    if value is None:
        abort(404)
    return value


def page_arg() -> int:
    """The ``page`` query argument, 1 ... 100,000; anything else is page 1."""
    try:
        return max(1, min(int(request.args.get("page", 1)), 100_000))
    except ValueError:
        return 1


def safe_next(target: str | None, default: str) -> str:
    """A local path to go back to, never another site (open redirects), never a header break."""
    if not target or not target.isprintable():  # CR/LF, tabs, NUL: browsers strip some, headers break
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target
