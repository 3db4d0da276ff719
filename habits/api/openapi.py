"""What makes the OpenAPI document exact, beyond what flask-smorest writes from the views.

- Every operation lists each problem its kind of route can answer, so no status is left to a
  catch-all ``default`` response (there is none): 400 and 413 where it reads a body (malformed
  JSON, JSON beyond habits.request_bounds, too large), 404 where its path names a row, 401 where
  it needs a token. Statuses particular to a route are listed on the route (``@problems``).
- A PATCH body (``ChangesSchema``) needs at least one field: ``minProperties: 1``.
- Query parameters an operation does not list are ignored (``DESCRIPTION`` says so), as HTTP
  APIs commonly do for cache busters and tracking tags; every listed one is validated.
"""

from __future__ import annotations

from http import HTTPStatus

from apispec import BasePlugin

from habits.api.schemas.common import ChangesSchema

DESCRIPTION = (
    "Streakpot's JSON API. Errors are problem documents (RFC 9457). Request bodies are validated "
    "strictly (types as documented, unknown fields refused); query parameters an operation does "
    "not list are ignored."
)
SPEC_KWARGS = {"info": {"description": DESCRIPTION}}


class ExactDocument(BasePlugin):
    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        schema_class = schema if isinstance(schema, type) else type(schema)
        if issubclass(schema_class, ChangesSchema):
            return {"minProperties": 1}
        return None

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            responses.pop("default", None)
            listed = []
            if "requestBody" in operation:
                listed += [400, 413]
            if "{" in (path or ""):
                listed.append(404)
            if operation.get("security"):
                listed.append(401)
            for status in listed:
                # by name: the components flask-smorest registers for every HTTPStatus
                responses.setdefault(status, HTTPStatus(status).name)
