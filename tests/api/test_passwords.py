"""Blank and common passwords are refused by the API too, with the reason on the field."""

from __future__ import annotations

import pytest

from habits.services.errors import InvalidInput
from habits.services.passwords import BLANK, TOO_COMMON, check_new_password, common_passwords
from tests.api.helpers import auth_headers
from tests.factories import PASSWORD, make_member


@pytest.mark.parametrize("password", [" " * 8, "12345678", "password", "PASSWORD", "qwerty123", " 11111111 "])
def test_register_refuses_blank_and_common_passwords(client, session, password):
    body = {"email": "ada@example.test", "password": password, "display_name": "Ada"}
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    problem = response.get_json()
    assert list(problem["errors"]) == ["password"]
    assert problem["code"] == "invalid_input"


def test_a_password_change_refuses_a_common_password(client, session):
    member = make_member(session)
    headers = auth_headers(session, member)
    body = {"current_password": PASSWORD, "new_password": "password1"}
    response = client.post("/api/v1/me/password", json=body, headers=headers)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["new_password"]
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # nothing was ended


def test_a_wrong_current_and_a_common_new_password_are_both_named(client, session):
    member = make_member(session)
    headers = auth_headers(session, member)
    body = {"current_password": "not it", "new_password": "password1"}
    response = client.post("/api/v1/me/password", json=body, headers=headers)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"current_password", "new_password"}


def test_the_password_change_is_rate_limited(client, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "2/minute")
    member = make_member(session)
    headers = auth_headers(session, member)
    body = {"current_password": "guess", "new_password": "a brand new secret"}
    codes = [client.post("/api/v1/me/password", json=body, headers=headers).status_code for _ in range(3)]
    assert codes == [422, 422, 429]


def test_the_rule_has_one_home_with_a_code_per_reason():
    with pytest.raises(InvalidInput) as blank:
        check_new_password("\t \n  ", field="new_password")
    assert [e.code for e in blank.value.errors["new_password"]] == [BLANK]
    with pytest.raises(InvalidInput) as common:
        check_new_password("Iloveyou")
    assert [e.code for e in common.value.errors["password"]] == [TOO_COMMON]
    check_new_password("a short sentence I remember")
    assert len(common_passwords()) > 19_000
