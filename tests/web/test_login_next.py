"""Where login and registration send you next: a local page, or the default one; never another
site, and never a 500 (a CR/LF in a Location header is refused by Werkzeug)."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_member
from tests.web.helpers import csrf_token

UNSAFE_NEXT = [
    "/wallet\r\nSet-Cookie: stolen=1",
    "/wallet\nX: y",
    "/\r\n/evil.example",
    "/\t/evil.example",
    "https://evil.example/steal",
    "//evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "wallet",
]


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_login_with_an_unsafe_next_goes_to_the_home_page(client, session, target):
    member = make_member(session)
    token = csrf_token(client.get("/login").data)
    data = {"csrf_token": token, "email": member.email, "password": PASSWORD}
    response = client.post("/login", query_string={"next": target}, data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", UNSAFE_NEXT[:5])
def test_register_with_an_unsafe_next_goes_to_the_communities(client, session, target):
    token = csrf_token(client.get("/register").data)
    data = {
        "csrf_token": token,
        "display_name": "Ada",
        "email": "ada@example.test",
        "password": "correct horse",
        "timezone": "UTC",
    }
    response = client.post("/register", query_string={"next": target}, data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/communities"


def test_login_keeps_a_safe_local_next(client, session):
    member = make_member(session)
    token = csrf_token(client.get("/login").data)
    data = {"csrf_token": token, "email": member.email, "password": PASSWORD}
    response = client.post("/login", query_string={"next": "/wallet?page=2"}, data=data)
    assert response.headers["Location"] == "/wallet?page=2"


def test_a_nul_in_next_is_refused_with_400_as_every_nul_in_a_query(client, session):
    """NUL is refused request-wide before any view (habits.request_bounds): never a 500."""
    member = make_member(session)
    token = csrf_token(client.get("/login").data)
    data = {"csrf_token": token, "email": member.email, "password": PASSWORD}
    assert client.post("/login", query_string={"next": "/wallet\x00"}, data=data).status_code == 400
