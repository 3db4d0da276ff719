"""OpenAPI helpers: document a view's error responses without wrapping it again."""

from __future__ import annotations

from http import HTTPStatus

from habits.fastpath.openapi_docs import document_responses


def problems(*statuses: int):
    """Document that the operation may answer these statuses, each with a problem document.

    Unlike stacking ``Blueprint.alt_response`` (one wrapper per status, each costing a call on
    every request), this only annotates the view's documentation (fastpath.openapi_docs).
    """

    def decorate(view):
        return document_responses(view, {status: HTTPStatus(status).name for status in statuses})

    return decorate
