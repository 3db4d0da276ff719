"""OpenAPI helpers: document a view's error responses without wrapping it again."""

from __future__ import annotations

from copy import deepcopy
from http import HTTPStatus


def problems(*statuses: int):
    """Document that the operation may answer these statuses, each with a problem document.

    Unlike stacking ``Blueprint.alt_response`` (one wrapper per status, each costing a call on
    every request), this only annotates the view's ``_apidoc``.
    """

    def decorate(view):
        doc = deepcopy(getattr(view, "_apidoc", {}))
        responses = doc.setdefault("response", {}).setdefault("responses", {})
        for status in statuses:
            name = HTTPStatus(status).name
            if name not in responses.setdefault(status, []):
                responses[status].append(name)
        view._apidoc = doc
        return view

    return decorate
