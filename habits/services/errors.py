"""What a service can refuse, with what the member needs to know. Edges map these to 409/422/404."""

from __future__ import annotations


class HabitsError(Exception):
    """Base of every refusal a service raises. ``status`` is the HTTP status the API uses."""

    status = 409
    title = "Not allowed now"

    def __init__(self, detail: str, *, errors: dict | None = None, **extra):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class NotFound(HabitsError):
    status = 404
    title = "Not found"


class Forbidden(HabitsError):
    status = 403
    title = "Forbidden"


class InvalidInput(HabitsError):
    """A combination of fields the schema alone cannot judge (e.g. a window that does not exist)."""

    status = 422
    title = "Invalid input"
