"""Web sessions end when they should: logout, a password change, an old cookie.

Each test holds real cookies (the test client keeps them like a browser) and replays copies of
them in a fresh client, as someone who copied a cookie would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_login.utils import encode_cookie

from tests.api.helpers import auth_headers
from tests.factories import PASSWORD, make_member
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, post_form

REMEMBER = "remember_token"
SESSION = "session"


def sign_in(client, member, *, remember: bool = True):
    data = {"email": member.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"  # the box a browser sends ticked (it is ticked by default)
    response = post_form(client, "/login", data)
    assert response.status_code == 302, response.data[:300]
    return response


def log_out(client):
    response = client.post("/logout", data={"csrf_token": csrf_token(client.get("/").data)})
    assert response.status_code == 302
    return response


def cookie(client, name: str) -> str | None:
    found = client.get_cookie(name)
    return found.value if found else None


def replay(app, **cookies):
    """A fresh browser holding only copies of these cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def signed_in(client) -> bool:
    response = client.get("/wallet")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_logout_ends_a_kept_sign_in(client, session):
    member = make_member(session)
    sign_in(client, member, remember=True)
    assert cookie(client, REMEMBER)
    assert signed_in(client)
    log_out(client)
    assert not signed_in(client)
    assert cookie(client, REMEMBER) is None  # the browser was told to drop it


def test_logout_right_after_registering_signs_out(client, session):
    body = {
        "display_name": "Ada",
        "email": "ada@example.test",
        "password": "correct horse",
        "timezone": "UTC",
    }
    assert post_form(client, "/register", body).status_code == 302
    assert signed_in(client)
    log_out(client)
    assert not signed_in(client)


def test_a_remember_cookie_copied_before_logout_is_dead_after_it(app, client, session):
    member = make_member(session)
    sign_in(client, member, remember=True)
    copied = cookie(client, REMEMBER)
    assert signed_in(replay(app, **{REMEMBER: copied}))
    log_out(client)
    assert not signed_in(replay(app, **{REMEMBER: copied}))


def test_a_session_cookie_copied_before_logout_is_dead_after_it(app, client, session):
    member = make_member(session)
    sign_in(client, member, remember=False)
    copied = cookie(client, SESSION)
    assert signed_in(replay(app, **{SESSION: copied}))
    log_out(client)
    assert not signed_in(replay(app, **{SESSION: copied}))


def test_logout_ends_only_that_session(app, session):
    member = make_member(session)
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, member)
    sign_in(laptop, member)
    log_out(laptop)
    assert signed_in(phone) and not signed_in(laptop)


def test_a_remember_cookie_of_the_old_kind_opens_nothing(app, client, session):
    """Before sessions were held on the server the cookie was ``<member id>|HMAC``: forever valid."""
    member = make_member(session)
    with app.test_request_context():
        old_kind = encode_cookie(str(member.id))
    assert not signed_in(replay(app, **{REMEMBER: old_kind}))


def test_each_sign_in_is_a_new_session(app, client, session):
    member = make_member(session)
    sign_in(client, member)
    first = cookie(client, REMEMBER)
    log_out(client)
    sign_in(client, member)
    second = cookie(client, REMEMBER)
    assert first != second
    assert signed_in(client) and not signed_in(replay(app, **{REMEMBER: first}))


def test_signing_in_drops_what_the_session_held_before(app, client, session):
    """No fixation: what a visitor's session carried before signing in does not carry over."""
    member = make_member(session)
    client.get("/login")
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    sign_in(client, member)
    with client.session_transaction() as after:
        assert "planted" not in after


def change_password_on_the_page(client, new_password: str = "a brand new secret"):
    return post_form(client, "/account", {"current_password": PASSWORD, "new_password": new_password})


def test_a_password_change_ends_every_other_session_and_token(app, session):
    member = make_member(session)
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, member, remember=True)
    sign_in(laptop, member, remember=True)
    headers = auth_headers(session, member)
    phone_cookies = {REMEMBER: cookie(phone, REMEMBER), SESSION: cookie(phone, SESSION)}
    laptop_old = {REMEMBER: cookie(laptop, REMEMBER), SESSION: cookie(laptop, SESSION)}

    response = change_password_on_the_page(laptop)
    assert response.status_code == 302, response.data[:500]

    assert not signed_in(phone)
    assert not signed_in(replay(app, **phone_cookies))
    assert laptop.get("/api/v1/me", headers=headers).status_code == 401
    # the laptop stays signed in, in a new session: its old cookies open nothing
    assert signed_in(laptop)
    assert cookie(laptop, REMEMBER) != laptop_old[REMEMBER]
    assert not signed_in(replay(app, **{REMEMBER: laptop_old[REMEMBER]}))
    assert not signed_in(replay(app, **{SESSION: laptop_old[SESSION]}))
    assert signed_in(replay(app, **{REMEMBER: cookie(laptop, REMEMBER)}))


def test_a_password_change_through_the_api_ends_the_web_sessions(app, client, session):
    member = make_member(session)
    sign_in(client, member)
    headers = auth_headers(session, member)
    body = {"current_password": PASSWORD, "new_password": "a brand new secret"}
    assert client.post("/api/v1/me/password", json=body, headers=headers).status_code == 204
    assert not signed_in(client)


def test_a_wrong_current_password_changes_nothing(app, session):
    member = make_member(session)
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, member)
    sign_in(laptop, member)
    response = post_form(
        laptop, "/account", {"current_password": "not it at all", "new_password": "a brand new secret"}
    )
    assert response.status_code == 422
    assert "The current password is not right." in response.get_data(as_text=True)
    assert signed_in(phone) and signed_in(laptop)


def test_the_account_page_needs_a_signed_in_member(client, session):
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_sign_in_ends_on_the_server_when_its_lifetime_does(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_DURATION", timedelta(days=30))
    member = make_member(session)
    start = datetime.now(UTC)
    with travel(start):
        sign_in(client, member)
        copied = cookie(client, REMEMBER)
    with travel(start + timedelta(days=29)):
        assert signed_in(replay(app, **{REMEMBER: copied}))
    with travel(start + timedelta(days=30, seconds=1)):
        assert not signed_in(replay(app, **{REMEMBER: copied}))
