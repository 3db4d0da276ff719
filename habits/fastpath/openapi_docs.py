"""flask-smorest's documentation internals: the per-view ``_apidoc`` record, and the error responses.

flask-smorest 0.46 builds an operation's OpenAPI entry from the ``_apidoc`` dict its decorators
leave on the view function; its own ``Blueprint.doc`` and ``alt_response`` add a wrapper each,
one more call on every request. ``document_responses`` and ``document`` write the same entries
on the view itself. ``ProblemResponsesApi`` replaces ``Api._register_responses`` so every
error response is documented as what the app sends: an RFC 9457 problem document.
"""

from __future__ import annotations

import http
from copy import deepcopy

from flask_smorest import Api
from flask_smorest.utils import prepare_response

PROBLEM_CONTENT_TYPE = "application/problem+json"


def document_responses(view, responses: dict[int, str]):
    """Add to ``view``'s operation the responses ``{status: name of a registered response}``."""
    doc = deepcopy(getattr(view, "_apidoc", {}))
    documented = doc.setdefault("response", {}).setdefault("responses", {})
    for status, name in responses.items():
        if name not in documented.setdefault(status, []):
            documented[status].append(name)
    view._apidoc = doc
    return view


def document(view, **fields):
    """Copy ``fields`` verbatim into ``view``'s operation, as ``Blueprint.doc`` does."""
    doc = deepcopy(getattr(view, "_apidoc", {}))
    doc.setdefault("manual_doc", {}).update(fields)
    view._apidoc = doc
    return view


class ProblemResponsesApi(Api):
    """An Api whose error responses (every status >= 400, and the default) are problem documents
    of ``ERROR_SCHEMA`` in ``application/problem+json``."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            else:
                prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem document (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)
