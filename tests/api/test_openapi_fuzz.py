"""Schemathesis against /api/v1/openapi.json, with all its checks and its generated invalid data:
no 5xx, every response as the document describes it (each status listed for its operation: the
document has no catch-all ``default``), every invalid request refused, every valid one accepted
or refused by a rule the document cannot state, with a status it lists.

``schema.parametrize()`` runs every phase per operation: the document's examples, the coverage
phase (boundary values, each required field missing, wrong types: what found ``0`` taken for
``false`` and ``1.5`` for ``1``) and random fuzzing, valid and invalid. The schema is read at
collection from an app that needs no database; each call goes to the test's own app (the same
code), authenticated as the organizer of the test world. (schemathesis' lazy fixture loader does
not run under pytest 9, hence the two apps.)
"""

from __future__ import annotations

import json
import tempfile

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from app import create_app
from tests.conftest import test_settings

#: examples per operation and generation mode in the fuzzing phase (the coverage phase adds its own)
MAX_EXAMPLES = 40
#: what a valid request may be answered besides success (schemathesis' own list)
ACCEPTED_REFUSALS = {401, 403, 404, 409, 429}
#: fields whose rule the document cannot state; a valid-looking value may be refused (422, with
#: the field named): the time zone exists, the password is the right one (or good enough), the
#: day is one of this challenge's days, the windows and dates fit together, the currency exists,
#: the terms accepted are the version in force
BUSINESS_RULE_FIELDS = {
    "timezone",
    "password",
    "current_password",
    "new_password",
    "day_index",
    "start_date",
    "window_open",
    "window_close",
    "currency",
    "terms_version",
    # a health period: on or before ``to`` and at most 366 days (two fields together)
    "from",
}


def _collection_schema():
    app = create_app(test_settings("sqlite://", tempfile.mkdtemp(prefix="streakpot-openapi-")))
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The token is the test's (the world's organizer): schemathesis must not generate, drop or
    # mangle the Authorization header itself. Its ignored_auth check still calls without it.
    loaded.config.generation.update(with_security_parameters=False)
    return loaded


# Logging out would revoke the token every later example uses (tested in test_auth).
schema = _collection_schema().exclude(method="DELETE", path="/api/v1/auth/tokens/current")


def _problem_fields(response) -> set[str]:
    try:
        body = json.loads(response.content)
    except ValueError:
        return set()
    return set((body.get("errors") or {}) if isinstance(body, dict) else ())


def valid_data_is_accepted_or_refused_by_a_listed_rule(ctx, response, case):
    """schemathesis' positive_data_acceptance, except that a 422 naming only fields of rules the
    document cannot state is a business refusal, and it must be a status the operation lists."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status < 300 or status in ACCEPTED_REFUSALS:
        return None
    listed = str(status) in case.operation.definition.raw.get("responses", {})
    refused_fields = _problem_fields(response)
    if status == 422 and listed and refused_fields and refused_fields <= BUSINESS_RULE_FIELDS:
        return None
    raise AssertionError(
        f"valid data refused with {status} (listed: {listed}; fields: {sorted(refused_fields)}): "
        f"{response.content[:500]!r}"
    )


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
)
def test_operation_keeps_its_document(case, app, world):
    case.call_and_validate(
        app=app,
        headers=world.as_("organizer"),
        excluded_checks=[positive_data_acceptance],
        additional_checks=[valid_data_is_accepted_or_refused_by_a_listed_rule],
    )


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


def test_the_document_lists_every_status_explicitly(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation["responses"]
            assert "default" not in responses, (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if operation.get("security"):
                assert "401" in responses, (method, path)
