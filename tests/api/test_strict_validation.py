"""Validation is as strict as the OpenAPI document says: a boolean is true or false, an integer
is a JSON integer, a PATCH changes something, text holds no NUL; and the document says each of
these, so that the fuzz run (test_openapi_fuzz) can hold the two together."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError

from habits.api.schemas.common import WHITE_SPACE, TextRule
from tests.factories import at_local
from tests.timehelpers import travel

PATCH_ROUTES = [
    "/api/v1/me",
    "/api/v1/communities/{community}",
    "/api/v1/communities/{community}/members/{member}",
    "/api/v1/challenges/{challenge}",
]


def url(world, template: str) -> str:
    return template.format(
        community=world.community.id,
        challenge=world.challenge.id,
        enrollment=world.owner_enrollment.id,
        member=world.owner.id,
    )


def document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


@pytest.mark.parametrize("value", [0, 1, "true", "false", "yes", "on", 1.0, None])
def test_a_boolean_is_true_or_false_only(client, world, value):
    create = client.post(
        "/api/v1/communities",
        json={"name": "Larks", "theme": "reading", "entry": {"approval": value}},
        headers=world.as_("organizer"),
    )
    update = client.patch(
        url(world, "/api/v1/communities/{community}"),
        json={"entry": {"approval": value}},
        headers=world.as_("organizer"),
    )
    join = client.post(
        url(world, "/api/v1/challenges/{challenge}/enrollments"),
        json={"pay_from_wallet": value},
        headers=world.as_("co_organizer"),
    )
    for response in (create, update, join):
        assert response.status_code == 422, response.get_json()
    assert "entry.approval" in create.get_json()["errors"]
    assert "pay_from_wallet" in join.get_json()["errors"]


@pytest.mark.parametrize("day_index", [1.5, "1", 1.0, True])
def test_a_day_index_is_a_json_integer(client, world, day_index):
    response = client.post(
        url(world, "/api/v1/enrollments/{enrollment}/rest-days"),
        json={"day_index": day_index},
        headers=world.as_("owner"),
    )
    assert response.status_code == 422
    assert "day_index" in response.get_json()["errors"]


def test_an_appeal_names_its_enrollment_by_a_json_integer(client, world):
    for enrollment_id in (str(world.owner_enrollment.id), 2**63, float(world.owner_enrollment.id)):
        response = client.post(
            url(world, "/api/v1/challenges/{challenge}/days/0/checkins"),
            json={"enrollment_id": enrollment_id, "reason": "was there"},
            headers=world.as_("organizer"),
        )
        assert response.status_code == 422
        assert "enrollment_id" in response.get_json()["errors"]


def test_a_check_in_value_is_a_json_number(client, world):
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(
            url(world, "/api/v1/enrollments/{enrollment}/checkins"),
            json={"value": "1.5"},
            headers=world.as_("owner"),
        )
    assert response.status_code == 422
    assert "value" in response.get_json()["errors"]


@pytest.mark.parametrize("template", PATCH_ROUTES)
@pytest.mark.parametrize("body", [None, {}], ids=["no body", "empty object"])
def test_a_patch_must_change_something(client, world, template, body):
    kwargs = {} if body is None else {"json": body}
    response = client.patch(url(world, template), headers=world.as_("organizer"), **kwargs)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"_schema": ["Send at least one field to change."]}


def test_the_document_says_a_patch_body_is_required_and_not_empty(client):
    spec = document(client)
    for path, item in spec["paths"].items():
        if "patch" in item:
            body = item["patch"]["requestBody"]
            assert body["required"] is True, path
            name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            assert spec["components"]["schemas"][name]["minProperties"] == 1, path


def test_bodies_that_may_be_left_out_are_documented_so(client, world):
    spec = document(client)
    for path in (
        "/api/v1/communities/{community_id}/members",
        "/api/v1/challenges/{challenge_id}/enrollments",
    ):
        assert spec["paths"][path]["post"]["requestBody"]["required"] is False, path
    joined = client.post(url(world, "/api/v1/communities/{community}/members"), headers=world.as_("outsider"))
    assert joined.status_code == 201


@pytest.mark.parametrize(
    ("template", "body", "field"),
    [
        ("/api/v1/communities", {"name": "a\x00b", "theme": "reading"}, "name"),
        (
            "/api/v1/communities",
            {
                "name": "x",
                "theme": "reading",
                "entry": {"form": [{"key": "a", "label": "\x00", "kind": "text"}]},
            },
            "entry.form.0.label",
        ),
        ("/api/v1/me", {"display_name": "\x00"}, "display_name"),
        ("/api/v1/auth/tokens", {"email": "a\x00@example.com", "password": "x"}, "email"),
        ("/api/v1/checkins/1/void", {"reason": "no\x00"}, "reason"),
    ],
)
def test_text_with_a_nul_is_422_on_the_field(client, world, template, body, field):
    method = "PATCH" if template == "/api/v1/me" else "POST"
    response = client.open(url(world, template), method=method, json=body, headers=world.as_("organizer"))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", "/api/v1/communities?theme=%00", None),
        ("POST", "/login", {"email": "a\x00@example.com", "password": "x"}),
        ("POST", "/register", {"email": "n@example.com", "password": "long enough", "display_name": "\x00"}),
    ],
)
def test_a_nul_in_a_query_or_form_value_is_400(client, world, method, path, data):
    response = client.open(path, method=method, data=data, headers=world.as_("organizer"))
    assert response.status_code == 400


def test_unknown_query_parameters_are_ignored_as_the_document_says(client, world):
    assert (
        "query parameters an operation does not list are ignored" in document(client)["info"]["description"]
    )
    assert client.get("/api/v1/me?utm_source=mail&_=123", headers=world.as_("owner")).status_code == 200


def test_every_text_in_a_request_body_states_what_it_may_hold(client):
    """The class: a text field added as a plain String (which would take a NUL the database
    refuses, with nothing in the document) fails here. Passwords are hashed, never stored."""
    spec = document(client)
    loose = []
    for name, schema in spec["components"]["schemas"].items():
        for field, prop in (schema.get("properties") or {}).items():
            for candidate in (prop, prop.get("items") or {}):
                if candidate.get("type") != "string" or candidate.get("readOnly"):
                    continue
                if not ({"pattern", "enum", "format"} & set(candidate)) and "password" not in field:
                    loose.append(f"{name}.{field}")
    input_schemas = {
        ref.rsplit("/", 1)[1]
        for item in spec["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "requestBody" in operation
        for content in operation["requestBody"]["content"].values()
        for ref in [content["schema"].get("$ref", "")]
        if ref
    }
    assert [entry for entry in loose if entry.split(".")[0] in input_schemas] == []


def test_white_space_is_what_python_calls_white_space():
    spelled_out = re.compile(f"[{WHITE_SPACE}]")
    assert all(bool(spelled_out.fullmatch(chr(code))) == chr(code).isspace() for code in range(0x3001))


@given(st.text(alphabet=st.sampled_from(["a", " ", "\t", "\x00", "\u3000", "\x1e", "\n", "é"]), max_size=8))
def test_the_documented_pattern_says_what_the_rule_checks(value):
    for blank in (True, False):
        rule = TextRule(blank=blank)
        try:
            rule(value)
            accepted = True
        except ValidationError:
            accepted = False
        assert bool(re.search(rule.regex.pattern, value)) == accepted, (blank, value)
