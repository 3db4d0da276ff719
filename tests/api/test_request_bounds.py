"""JSON nested too deep or with a number too long is a 400 problem document on every route that
reads a body, signed in or not: never a RecursionError or int-conversion ValueError (a 500)."""

from __future__ import annotations

import json
import re

import pytest
import stripe
from hypothesis import given
from hypothesis import strategies as st

from habits.models.payment import StripeEvent
from habits.request_bounds import MAX_DEPTH, MAX_NUMBER_DIGITS, beyond_bounds
from tests.payments.helpers import SECRET

NESTED = b"[" * 1000 + b"]" * 1000  # 1,000 levels in 2 KB
LONG_INTEGER = b'{"note": ' + b"7" * 5000 + b"}"  # 5,000 digits
NESTED_IN_A_FIELD = b'{"reason": ' + b"[" * 1000 + b"]" * 1000 + b"}"
BODIES = {"nested": NESTED, "long integer": LONG_INTEGER, "nested in a field": NESTED_IN_A_FIELD}
WRITE_METHODS = {"POST", "PATCH", "PUT"}
_ARGUMENT = re.compile(r"<(\w+)>")


def body_routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every route under /api and /webhooks that may take a body."""
    return sorted(
        (method, re.sub(r"<\w+(?:\([^)]*\))?:", "<", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/webhooks/"))
        for method in rule.methods & WRITE_METHODS
    )


def documented_bodies(client) -> set[tuple[str, str]]:
    """(method, rule) of the API operations whose document has a request body, and the webhook."""
    document = client.get("/api/v1/openapi.json").get_json()
    return {("POST", "/webhooks/stripe")} | {
        (method.upper(), re.sub(r"{(\w+)}", r"<\1>", path))
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }


def concrete(world, rule: str) -> str:
    values = {
        "community_id": world.community.id,
        "challenge_id": world.challenge.id,
        "enrollment_id": world.owner_enrollment.id,
        "member_id": world.owner.id,
        "day_index": 0,
    }
    return _ARGUMENT.sub(lambda match: str(values.get(match[1], 1)), rule)


def test_the_walk_finds_every_kind_of_body_route(app):
    routes = body_routes(app)
    for expected in [
        ("POST", "/api/v1/auth/register"),
        ("PATCH", "/api/v1/me"),
        ("POST", "/api/v1/enrollments/<enrollment_id>/checkins"),
        ("POST", "/webhooks/stripe"),
    ]:
        assert expected in routes


@pytest.mark.parametrize("body_name", sorted(BODIES))
@pytest.mark.parametrize("who", ["anonymous", "organizer", "owner"])
def test_every_body_route_refuses_json_beyond_bounds_with_400(
    app, client, world, who, body_name, monkeypatch
):
    # the anonymous walk answers 401 on every write route: more than one address's budget of them
    monkeypatch.setitem(app.config, "RATELIMIT_AUTH_FAILURES", "10000/minute")
    answers = {}
    for method, rule in body_routes(app):
        response = client.open(
            concrete(world, rule),
            method=method,
            data=BODIES[body_name],
            content_type="application/json",
            headers=world.as_(who),
        )
        answers[(method, rule)] = response.status_code
        if response.status_code == 400:
            assert response.content_type == "application/problem+json"
            assert response.get_json()["status"] == 400
    assert max(answers.values()) < 500
    # Where a body is read: refused before reading it (no token, not theirs) or for reading it.
    with_a_body = {key: status for key, status in answers.items() if key in documented_bodies(client)}
    assert set(with_a_body.values()) <= {400, 401, 403, 404}, with_a_body
    # The routes that read a body before anything else can refuse: 400 for everyone.
    for route in [
        ("POST", "/api/v1/auth/register"),
        ("POST", "/api/v1/auth/tokens"),
        ("POST", "/webhooks/stripe"),
    ]:
        assert answers[route] == 400, route
    if who != "anonymous":
        assert answers[("PATCH", "/api/v1/me")] == 400
        assert answers[("POST", "/api/v1/communities")] == 400


def test_the_check_in_route_refuses_a_deep_body_whatever_its_content_type(client, world):
    for content_type in ("application/json", "text/plain", None):
        response = client.post(
            f"/api/v1/enrollments/{world.owner_enrollment.id}/checkins",
            data=NESTED,
            content_type=content_type,
            headers=world.as_("owner"),
        )
        assert response.status_code == 400, content_type
        assert "deeper" in response.get_json()["errors"]["json"][0]


def test_the_problem_says_which_bound(client, world):
    nested = client.post("/api/v1/auth/register", data=NESTED, content_type="application/json").get_json()
    assert nested["errors"] == {"json": [f"Nested deeper than {MAX_DEPTH} levels, or brackets out of order."]}
    long = client.post("/api/v1/auth/register", data=LONG_INTEGER, content_type="application/json").get_json()
    assert long["errors"] == {"json": [f"A number has more than {MAX_NUMBER_DIGITS} digits."]}
    assert long["detail"] == "The request body is JSON beyond what this server reads."


def test_a_signed_webhook_beyond_bounds_is_400_and_stores_nothing(session, client):
    for body in (NESTED, LONG_INTEGER, b'{"id": "evt_deep", "data": ' + NESTED + b"}"):
        header = stripe.WebhookSignature.generate_signature_header(body.decode(), SECRET)
        response = client.post(
            "/webhooks/stripe",
            data=body,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        )
        assert response.status_code == 400
    assert session.query(StripeEvent).count() == 0


def test_text_inside_strings_never_counts():
    assert beyond_bounds(json.dumps({"note": "[" * 5000 + "7" * 5000, "k" * 200: "{" * 70}).encode()) is None
    assert beyond_bounds(json.dumps([[[[1]]]] * 1000).encode()) is None
    assert beyond_bounds(json.dumps({"a": 10**99, "b": -(10**99), "c": 1.5e300}).encode()) is None


def _nested(depth: int, inner=0):
    value = inner
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@pytest.mark.parametrize("siblings", [1, 3])
def test_json_as_deep_as_the_bound_passes_and_one_level_more_does_not(siblings):
    assert beyond_bounds(json.dumps([_nested(MAX_DEPTH - 1)] * siblings).encode()) is None
    assert beyond_bounds(json.dumps([_nested(MAX_DEPTH)] * siblings).encode()) is not None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values)
def test_ordinary_json_is_within_bounds(value):
    assert beyond_bounds(json.dumps(value).encode()) is None


json_noise = st.lists(
    st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b",", b":", b"1" * 60, b"x", b" ", b"\xff"]),
    max_size=80,
)


@given(noise=json_noise, depth=st.integers(0, 1500))
def test_within_bounds_json_loads_refuses_only_with_a_decode_error(noise, depth):
    body = b"[" * depth + b"".join(noise) + b"]" * depth
    if beyond_bounds(body) is None:
        try:
            json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            pass
