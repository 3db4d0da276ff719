"""Register, log in and out through the pages, with the CSRF token a browser would carry."""

from __future__ import annotations

from sqlalchemy import func, select

from habits.models import Member
from tests.factories import make_member
from tests.web.helpers import csrf_token, log_in, post_form, text_of

GOOD = {
    "display_name": "Ada Early",
    "email": "Ada@Example.test",
    "password": "correct horse",
    "timezone": "Asia/Shanghai",
}


def _members(session) -> int:
    return session.scalar(select(func.count()).select_from(Member))


def test_register_signs_the_new_member_in(client, session):
    response = post_form(client, "/register", GOOD)
    assert response.status_code == 302
    member = session.scalar(select(Member).where(Member.email == "ada@example.test"))
    assert member.display_name == "Ada Early" and member.timezone == "Asia/Shanghai"
    assert member.locale == "en"
    home = client.get("/")
    assert "Today" in text_of(home) and "Log out" in text_of(home)


def test_register_without_the_csrf_token_is_refused_and_stores_nothing(client, session):
    before = _members(session)
    response = client.post("/register", data=GOOD, headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "This form has expired" in text_of(response)
    assert _members(session) == before


def test_register_with_bad_fields_shows_each_error_and_stores_nothing(client, session):
    before = _members(session)
    bad = {"display_name": "", "email": "not-an-email", "password": "short", "timezone": "Mars/Olympus"}
    response = post_form(client, "/register", bad)
    page = text_of(response)
    assert response.status_code == 422
    assert "This field is required." in page
    assert "Write an email address like name@example.com." in page
    assert "Between 8 and 128 characters." in page
    assert "Choose a time zone from the list" in page
    assert 'aria-invalid="true"' in page
    assert _members(session) == before


def test_register_with_a_taken_email_says_so_on_the_field(client, session):
    make_member(session, email="taken@example.test")
    response = post_form(client, "/register", {**GOOD, "email": "TAKEN@example.test"})
    assert response.status_code == 422
    assert "This email is already registered." in text_of(response)


def test_login_with_a_wrong_password_stays_signed_out(client, session):
    member = make_member(session)
    response = post_form(client, "/login", {"email": member.email, "password": "wrong-password"})
    assert response.status_code == 422
    assert "The email or the password is not right." in text_of(response)
    assert client.get("/wallet").status_code == 302  # still anonymous: sent to the login page


def test_login_then_logout(client, session):
    member = make_member(session)
    log_in(client, member)
    assert client.get("/wallet").status_code == 200
    page = client.get("/")
    response = client.post("/logout", data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 302
    assert client.get("/wallet").status_code == 302


def test_login_goes_back_to_a_local_page_only(client, session):
    member = make_member(session)
    page = client.get("/login")
    token = csrf_token(page.data)
    data = {"csrf_token": token, "email": member.email, "password": "password-123"}
    response = client.post("/login?next=https://evil.example/steal", data=data)
    assert response.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").data)})
    data["csrf_token"] = csrf_token(client.get("/login").data)
    response = client.post("/login?next=/wallet", data=data)
    assert response.headers["Location"] == "/wallet"


def test_login_is_rate_limited_with_a_friendly_page(app, client, session):
    member = make_member(session)
    token = csrf_token(client.get("/login").data)
    data = {"csrf_token": token, "email": member.email, "password": "wrong-password"}
    codes = [client.post("/login", data=data).status_code for _ in range(11)]
    assert codes[:10] == [422] * 10
    assert codes[10] == 429
    last = client.post("/login", data=data, headers={"Accept": "text/html"})
    assert "Too many attempts" in text_of(last)


def test_pages_that_need_a_member_send_visitors_to_log_in(client, session):
    response = client.get("/wallet")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
