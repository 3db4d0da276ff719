"""The doors around signing in: the cookies it sets, what an unknown email costs, and which
passwords may be chosen."""

from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash

from habits.services import members
from tests.factories import PASSWORD, make_member
from tests.web.helpers import post_form, text_of


def _set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_sign_in_cookies_are_http_only_and_same_site_lax(client, session):
    member = make_member(session)
    response = post_form(client, "/login", {"email": member.email, "password": PASSWORD, "remember": "y"})
    cookies = _set_cookies(response)
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name], cookies[name]
        assert "SameSite=Lax" in cookies[name], cookies[name]
        assert "Secure" not in cookies[name]  # the test server, like the demo, is plain http


def test_an_unknown_email_is_checked_with_the_same_method_and_cost(app, client, session, monkeypatch):
    """The time a login takes must not tell whether the email is registered: the unknown path
    checks a hash of the very method (and work factor) registration uses now."""
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:2000")
    checked: list[str] = []

    def recording_check(pwhash, password):
        checked.append(pwhash)
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(members, "check_password_hash", recording_check)
    body = {
        "display_name": "Ada",
        "email": "ada@example.test",
        "password": "correct horse",
        "timezone": "UTC",
    }
    assert post_form(client, "/register", body).status_code == 302
    visitor = app.test_client()
    for email in ("ada@example.test", "nobody@example.test"):
        assert post_form(visitor, "/login", {"email": email, "password": "wrong guess"}).status_code == 422
    api = client.post("/api/v1/auth/tokens", json={"email": "nobody@example.test", "password": "wrong guess"})
    assert api.status_code == 401
    methods = [pwhash.split("$", 1)[0] for pwhash in checked]
    assert methods == ["pbkdf2:sha256:2000"] * 3


def test_the_default_method_has_a_dummy_of_its_own_kind():
    stored = members.generate_password_hash("x", method=members.DEFAULT_PASSWORD_METHOD)
    assert members.dummy_hash(members.DEFAULT_PASSWORD_METHOD).split("$", 1)[0] == stored.split("$", 1)[0]


@pytest.mark.parametrize("password", ["12345678", "password", "Password1", "qwertyuiop", "iloveyou "])
def test_register_refuses_a_common_password_and_says_why(client, session, password):
    body = {"display_name": "Ada", "email": "ada@example.test", "password": password, "timezone": "UTC"}
    response = post_form(client, "/register", body)
    assert response.status_code == 422
    assert "one of the most common ones" in text_of(response)
    assert client.get("/wallet").status_code == 302


def test_register_refuses_a_password_of_spaces(client, session):
    body = {"display_name": "Ada", "email": "ada@example.test", "password": " " * 8, "timezone": "UTC"}
    response = post_form(client, "/register", body)
    assert response.status_code == 422
    assert client.get("/wallet").status_code == 302


def test_the_refusal_is_said_in_chinese_too(client, session):
    with client.session_transaction() as browser:
        browser["locale"] = "zh_Hans"
    body = {"display_name": "Ada", "email": "ada@example.test", "password": "password", "timezone": "UTC"}
    response = post_form(client, "/register", body)
    assert response.status_code == 422
    assert "one of the most common ones" not in text_of(response)
    assert "常见" in text_of(response)


@pytest.mark.parametrize(("password", "words"), [("12345678", "most common"), (" " * 9, "only spaces")])
def test_a_password_change_refuses_blank_and_common_passwords(client, session, password, words):
    member = make_member(session)
    post_form(client, "/login", {"email": member.email, "password": PASSWORD})
    response = post_form(client, "/account", {"current_password": PASSWORD, "new_password": password})
    assert response.status_code == 422
    assert words in text_of(response)
    # nothing changed: the old password still signs in
    login = client.post("/api/v1/auth/tokens", json={"email": member.email, "password": PASSWORD})
    assert login.status_code == 201


def test_a_password_change_on_the_page_takes_the_new_password(client, session):
    member = make_member(session)
    post_form(client, "/login", {"email": member.email, "password": PASSWORD})
    response = post_form(
        client, "/account", {"current_password": PASSWORD, "new_password": "a brand new secret"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "Your password is changed." in text_of(client.get("/account"))
    login = client.post("/api/v1/auth/tokens", json={"email": member.email, "password": "a brand new secret"})
    assert login.status_code == 201
