"""The API's side of the named rate limits (habits/ratelimits.py: the table, the checks).

A limited operation is documented with its 429 response (a problem document with
``Retry-After``): an apispec plugin adds it as the blueprints are registered, to every write
operation the table names and to every API operation (an address over the failed-authentication
budget is refused on any of them), so no route carries a decorator for it.
"""

from __future__ import annotations

from apispec import BasePlugin

from habits.ratelimits import ENDPOINT_LIMITS, WRITE_METHODS


class LimitsInDocument(BasePlugin):
    """Add the 429 response to each operation of a rate-limited endpoint."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        for method, operation in operations.items():
            # a write spends from its named limit; and any API request from an address over the
            # failed-authentication budget (``auth_failures``) is refused before it authenticates
            named = rule.endpoint in ENDPOINT_LIMITS and method.upper() in WRITE_METHODS
            if named or path.startswith("/api/"):
                operation.setdefault("responses", {}).setdefault("429", "TOO_MANY_REQUESTS")
