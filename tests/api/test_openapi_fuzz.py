"""Schemathesis against /api/v1/openapi.json: no 5xx, and every response matches the document.

Runs in process through the WSGI app (``schemathesis.openapi.from_wsgi``), authenticated as the
organizer of the test world, with a bounded number of valid and invalid examples per
operation so the suite stays fast. (schemathesis' own lazy pytest fixture does not run under
pytest 9, so each operation is a plain parametrized test driving the operation's strategy.)
"""

from __future__ import annotations

import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from tests.conftest import test_settings

MAX_EXAMPLES = 8
#: no 5xx, and nothing the document does not describe. Not positive_data_acceptance (the
#: document cannot say which time zones exist or which password is right, so valid-looking data
#: is rightly refused with a documented 4xx) nor negative_data_rejection (it counts an unknown
#: query parameter as invalid; we ignore those, as HTTP APIs do; unknown body fields are 422,
#: tested in test_bad_input). Invalid inputs are still generated and must get documented 4xx.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: logging out would revoke the token every later example uses (tested in test_auth)
SKIPPED = {"DELETE /api/v1/auth/tokens/current"}


def _operation_labels() -> list[str]:
    """The document's operations, read from an app that needs no database (collection time)."""
    app = create_app(test_settings("sqlite://", tempfile.mkdtemp(prefix="streakpot-openapi-")))
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    methods = {"get", "post", "put", "patch", "delete"}
    return [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in methods and f"{method.upper()} {path}" not in SKIPPED
    ]


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.parametrize("label", _operation_labels())
def test_operation_keeps_its_document(api_schema, world, label):
    operation = api_schema.find_operation_by_label(label)
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @given(case=cases)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same examples every run: a failure here is reproducible
        suppress_health_check=list(HealthCheck),
    )
    def exercise(case):
        case.call_and_validate(headers=world.as_("organizer"), checks=CHECKS)

    exercise()


def test_openapi_document_lists_every_route_with_problem_errors(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    unauthorized = document["components"]["responses"]["UNAUTHORIZED"]
    assert "application/problem+json" in unauthorized["content"]
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/tokens",
        "/api/v1/me",
        "/api/v1/communities",
        "/api/v1/communities/{community_id}/challenges",
        "/api/v1/challenges/{challenge_id}",
        "/api/v1/challenges/{challenge_id}/enrollments",
        "/api/v1/enrollments/{enrollment_id}",
        "/api/v1/enrollments/{enrollment_id}/checkins",
        "/api/v1/enrollments/{enrollment_id}/withdrawal",
        "/api/v1/challenges/{challenge_id}/leaderboard",
        "/api/v1/checkins/{checkin_id}/void",
    ):
        assert path in document["paths"], path
