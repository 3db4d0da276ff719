"""What a service can refuse, with what the member needs to know. Edges map these to 409/422/404.

Every refusal carries a stable ``code`` (snake_case, unique across all refusals, tested): the
API sends it in the problem document and the pages translate through it
(``habits.web.refusals``), so a refusal's class name and English detail may change freely.
"""

from __future__ import annotations


class FieldError(str):
    """One field's refusal: the English message (it *is* the string, so the API's
    ``errors: {"field": ["message"]}`` and equality with plain strings are unchanged) plus a
    stable ``code`` and the values the message was built from, for a translated page message."""

    code: str
    params: dict

    def __new__(cls, code: str, message: str, **params) -> FieldError:
        error = super().__new__(cls, message)
        error.code = code
        error.params = params
        return error

    def __reduce__(self):
        return (_field_error, (self.code, str(self), self.params))


def _field_error(code: str, message: str, params: dict) -> FieldError:
    return FieldError(code, message, **params)


#: the code of a field error written as a plain string (no rule named it yet)
UNNAMED_FIELD_ERROR = "invalid"


def field_errors(errors: dict | None) -> dict[str, list[FieldError]] | None:
    """``errors`` with every message a FieldError (plain strings get ``UNNAMED_FIELD_ERROR``)."""
    if not errors:
        return errors
    coded = {}
    for name, messages in errors.items():
        if isinstance(messages, str):
            messages = [messages]
        coded[name] = [
            m if isinstance(m, FieldError) else FieldError(UNNAMED_FIELD_ERROR, str(m)) for m in messages
        ]
    return coded


class HabitsError(Exception):
    """Base of every refusal a service raises. ``status`` is the HTTP status the API uses."""

    status = 409
    title = "Not allowed now"
    code = "not_allowed"
    #: seconds a client should wait before trying again (the edges send it as Retry-After)
    retry_after: int | None = None

    def __init__(self, detail: str, *, errors: dict | None = None, **extra):
        super().__init__(detail)
        self.detail = detail
        self.errors = field_errors(errors)
        self.extra = extra


class NotFound(HabitsError):
    status = 404
    title = "Not found"
    code = "not_found"


class Forbidden(HabitsError):
    status = 403
    title = "Forbidden"
    code = "forbidden"


class InvalidInput(HabitsError):
    """A combination of fields the schema alone cannot judge (e.g. a window that does not exist)."""

    status = 422
    title = "Invalid input"
    code = "invalid_input"


class EnrollmentClosed(HabitsError):
    """Day 0's window has opened: nobody joins or pays a deposit any more (enrollments, deposits)."""

    title = "Enrollment has closed"
    code = "enrollment_closed"
