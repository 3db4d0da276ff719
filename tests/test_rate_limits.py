"""Every write endpoint has a named rate limit (habits/ratelimits.py), and the limits bite: API and
pages, with Retry-After, per the table's key."""

from __future__ import annotations

import re

from habits.ratelimits import ENDPOINT_LIMITS, LIMITS, NOT_LIMITED, SETTINGS, WRITE_METHODS
from tests.api.helpers import auth_headers
from tests.factories import at_local, make_challenge, make_community, make_enrollment, make_member
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, log_in, text_of


def write_endpoints(app) -> dict[str, set[str]]:
    """endpoint -> the write methods its rules take."""
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & WRITE_METHODS
        if methods:
            found.setdefault(rule.endpoint, set()).update(methods)
    return found


def test_every_write_endpoint_has_a_named_limit(app):
    """A new POST/PUT/PATCH/DELETE route fails here until habits/ratelimits.py names its limit
    (ENDPOINT_LIMITS), or says in NOT_LIMITED why it has none."""
    endpoints = write_endpoints(app)
    missing = sorted(set(endpoints) - set(ENDPOINT_LIMITS) - set(NOT_LIMITED))
    assert missing == [], f"write endpoints without a named rate limit: {missing}"
    assert sorted(set(ENDPOINT_LIMITS) - set(endpoints)) == [], "limits for endpoints that do not exist"
    assert sorted(set(NOT_LIMITED) - set(endpoints)) == []
    assert set(ENDPOINT_LIMITS.values()) <= set(LIMITS)
    assert not set(ENDPOINT_LIMITS) & set(NOT_LIMITED)


def test_each_limit_is_a_setting_and_its_default_parses(app):
    from limits import parse_many

    for name, limit in LIMITS.items():
        assert SETTINGS[name] == f"RATELIMIT_{name.upper()}"
        assert parse_many(limit.default) and limit.keys and limit.why


def test_the_stripe_webhook_is_never_throttled(app, client, monkeypatch):
    for name in LIMITS:
        monkeypatch.setitem(app.config, SETTINGS[name], "1/minute")
    codes = {client.post("/webhooks/stripe", data=b"{}").status_code for _ in range(3)}
    assert 429 not in codes


def test_an_api_limit_bites_per_caller_with_a_problem_document(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_CREATE", "2/minute")
    first, second = (auth_headers(session, make_member(session)) for _ in range(2))
    body = {"name": "Owls", "theme": "reading"}
    codes = [client.post("/api/v1/communities", json=body, headers=first).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    refused = client.post("/api/v1/communities", json=body, headers=first)
    assert refused.content_type == "application/problem+json"
    assert refused.get_json()["status"] == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert client.post("/api/v1/communities", json=body, headers=second).status_code == 201


def test_a_named_limit_is_one_budget_for_all_its_endpoints(app, client, session, monkeypatch):
    """ "account" covers the profile and the language switch alike: one budget per caller."""
    monkeypatch.setitem(app.config, "RATELIMIT_ACCOUNT", "2/minute")
    headers = auth_headers(session, make_member(session))
    assert client.patch("/api/v1/me", json={"display_name": "A"}, headers=headers).status_code == 200
    assert client.patch("/api/v1/me", json={"display_name": "B"}, headers=headers).status_code == 200
    assert client.patch("/api/v1/me", json={"display_name": "C"}, headers=headers).status_code == 429


def test_a_password_is_guessed_from_one_budget_on_the_api_and_the_pages(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "2/minute")
    wrong = {"email": "nobody@example.test", "password": "not the one"}
    assert [client.post("/api/v1/auth/tokens", json=wrong).status_code for _ in range(2)] == [401, 401]
    token = csrf_token(client.get("/login").data)
    page = client.post("/login", data={"csrf_token": token, **wrong})
    assert page.status_code == 429


def test_a_page_429_is_the_friendly_page_with_retry_after(app, client, session, monkeypatch):
    """Web 429s carried no Retry-After (Flask-Limiter's error went to the plain error page)."""
    monkeypatch.setitem(app.config, "RATELIMIT_ACCOUNT", "2/minute")
    token = csrf_token(client.get("/login").data)
    switch = {"csrf_token": token, "locale": "zh_Hans", "next": "/login"}
    assert [client.post("/language", data=switch).status_code for _ in range(2)] == [302, 302]
    refused = client.post("/language", data=switch, headers={"Accept": "text/html"})
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    seconds = int(refused.headers["Retry-After"])
    assert 1 <= seconds <= 60
    assert "短时间内尝试次数太多" in text_of(refused)  # in the language the visitor chose


def test_a_page_limit_keyed_by_member_leaves_others_alone(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_CHECKIN", "1/minute")
    community = make_community(session)
    challenge = make_challenge(session, community)
    first, second = make_member(session), make_member(session)
    enrollments = [make_enrollment(session, challenge, member) for member in (first, second)]
    with travel(at_local(challenge, 0, "05:30")):
        log_in(client, first)
        url = f"/enrollments/{enrollments[0].id}/checkin"
        token = csrf_token(client.get(url).data)
        assert client.post(url, data={"csrf_token": token}).status_code == 302
        again = client.post(url, data={"csrf_token": token})
        assert again.status_code == 429 and int(again.headers["Retry-After"]) >= 1
        other = app.test_client()
        log_in(other, second)
        url = f"/enrollments/{enrollments[1].id}/checkin"
        token = csrf_token(other.get(url).data)
        assert other.post(url, data={"csrf_token": token}).status_code == 302


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_the_api_document_lists_the_429_of_every_limited_operation(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in ENDPOINT_LIMITS or not rule.rule.startswith("/api/"):
            continue
        for method in (rule.methods or set()) & WRITE_METHODS:
            operation = document["paths"][_openapi_path(rule.rule)][method.lower()]
            assert "429" in operation["responses"], (method, rule.rule)
            checked += 1
    assert checked >= 20
