"""Registration, log-in tokens, and bearer authentication on every protected route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from habits.models import ApiToken, Member
from habits.services.tokens import hash_token, issue_token
from tests.api.helpers import auth_headers
from tests.factories import PASSWORD, make_member
from tests.timehelpers import travel


def register(client, **overrides):
    body = {"email": "Ada@Example.test ", "password": "correct horse", "display_name": "Ada"}
    body.update(overrides)
    return client.post("/api/v1/auth/register", json=body)


def test_register_creates_member_with_lowercased_email_and_hashed_password(client, session):
    response = register(client, timezone="Europe/London", locale="zh_Hans")
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "ada@example.test"
    assert body["timezone"] == "Europe/London"
    assert body["locale"] == "zh_Hans"
    assert "password" not in body and "password_hash" not in body
    member = session.scalar(select(Member).where(Member.email == "ada@example.test"))
    assert member.password_hash != "correct horse"
    assert member.password_hash.startswith("pbkdf2:")


def test_register_twice_with_the_same_email_is_a_conflict(client):
    assert register(client).status_code == 201
    response = register(client, email="ADA@example.test")
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert "email" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("password", "short"),
        ("display_name", "   "),
        ("timezone", "Mars/Olympus"),
        ("timezone", "../../etc/passwd"),
        ("locale", "fr"),
        ("display_name", 42),
    ],
)
def test_register_refuses_invalid_field_with_its_name(client, field, value):
    response = register(client, **{field: value})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_register_refuses_unknown_fields(client):
    response = register(client, is_admin=True)
    assert response.status_code == 422
    assert "is_admin" in response.get_json()["errors"]


def test_login_issues_a_token_stored_only_as_its_hash(client, session):
    member = make_member(session, email="bo@example.test")
    response = client.post("/api/v1/auth/tokens", json={"email": "BO@example.test", "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    token = body["token"]
    assert body["expires_at"].endswith("Z")
    stored = session.scalar(select(ApiToken).where(ApiToken.member_id == member.id))
    assert stored.token_hash == hash_token(token)
    assert token not in stored.token_hash
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["id"] == member.id


@pytest.mark.parametrize("email", ["bo@example.test", "nobody@example.test"])
def test_login_with_wrong_credentials_is_401_either_way(client, session, email):
    make_member(session, email="bo@example.test")
    response = client.post("/api/v1/auth/tokens", json={"email": email, "password": "wrong password"})
    assert response.status_code == 401
    assert response.get_json()["detail"] == "The email or the password is not right."


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "bearer\x00junk"],
)
def test_protected_route_without_a_valid_token_is_401_problem(client, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_refused(client, session):
    member = make_member(session)
    issued_at = datetime(2026, 1, 1, tzinfo=UTC)
    headers = auth_headers(session, member, now=issued_at)
    with travel(issued_at + timedelta(days=30) - timedelta(seconds=1)):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    with travel(issued_at + timedelta(days=30)):
        assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_token_ttl_comes_from_settings(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_TOKEN_TTL_DAYS", 2)
    make_member(session, email="cy@example.test")
    now = datetime(2026, 5, 1, 8, tzinfo=UTC)
    with travel(now):
        response = client.post("/api/v1/auth/tokens", json={"email": "cy@example.test", "password": PASSWORD})
    assert response.get_json()["expires_at"] == "2026-05-03T08:00:00Z"


def test_revoking_the_current_token_logs_it_out_and_only_it(client, session):
    member = make_member(session)
    first, second = auth_headers(session, member), auth_headers(session, member)
    assert client.delete("/api/v1/auth/tokens/current", headers=first).status_code == 204
    assert client.get("/api/v1/me", headers=first).status_code == 401
    assert client.get("/api/v1/me", headers=second).status_code == 200


def test_issue_token_service_sets_expiry_and_random_tokens(session):
    member = make_member(session)
    now = datetime(2026, 2, 1, tzinfo=UTC)
    a = issue_token(session, member, now=now, ttl_days=7)
    b = issue_token(session, member, now=now, ttl_days=7)
    assert a.token != b.token and len(a.token) >= 40
    assert a.expires_at == now + timedelta(days=7)


def test_profile_update_changes_only_given_fields(client, session):
    member = make_member(session, display_name="Old", timezone="UTC")
    headers = auth_headers(session, member)
    response = client.patch("/api/v1/me", json={"timezone": "Asia/Shanghai"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["timezone"] == "Asia/Shanghai"
    assert response.get_json()["display_name"] == "Old"


def test_password_change_needs_current_password_and_revokes_tokens(client, session):
    member = make_member(session, email="di@example.test")
    headers = auth_headers(session, member)
    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "nope", "new_password": "a new password"},
        headers=headers,
    )
    assert wrong.status_code == 422
    right = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a new password"},
        headers=headers,
    )
    assert right.status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    new_login = {"email": "di@example.test", "password": "a new password"}
    login = client.post("/api/v1/auth/tokens", json=new_login)
    assert login.status_code == 201


def test_login_is_rate_limited_per_address_with_retry_after(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "3/minute")
    body = {"email": "x@example.test", "password": "whatever1"}
    codes = [client.post("/api/v1/auth/tokens", json=body).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    response = client.post("/api/v1/auth/tokens", json=body)
    assert response.content_type == "application/problem+json"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_register_is_rate_limited(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REGISTER", "2/minute")
    codes = [register(client, email=f"r{i}@example.test").status_code for i in range(3)]
    assert codes == [201, 201, 429]
