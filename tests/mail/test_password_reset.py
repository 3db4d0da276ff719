"""Forgot password, end to end: request -> mail (through the test SMTP server) -> link -> new
password -> every old session and token dead; expired, reused and unknown links refused; the
same answer whether or not the address is a member's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from habits.extensions import limiter
from habits.models import OutboxMail
from habits.services.password_reset import LINK_LIFETIME, MAX_OPEN_LINKS
from tests.api.helpers import auth_headers
from tests.factories import PASSWORD, make_member
from tests.mail.helpers import body_text, deliver, link_in
from tests.timehelpers import travel
from tests.web.helpers import post_form, text_of
from tests.web.test_sessions import REMEMBER, cookie, replay, sign_in, signed_in

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NEW_PASSWORD = "a walk by the river"


def outbox_count(session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMail))


def ask_on_the_page(client, email: str):
    return post_form(client, "/password-reset", {"email": email})


def reset_link(app, smtp_server, email: str) -> str:
    deliver(app)
    (message,) = smtp_server.to(email)
    return link_in(message, "/password-reset")


def test_the_login_page_links_to_forgot_password(client):
    page = text_of(client.get("/login"))
    assert 'href="/password-reset"' in page and "Forgot password?" in page


def test_a_reset_by_mail_sets_the_password_and_ends_every_session_and_token(
    app, client, session, smtp_server, mail_settings
):
    member = make_member(session, display_name="Mei")
    with travel(NOW):
        phone = app.test_client()
        sign_in(phone, member, remember=True)
        kept = cookie(phone, REMEMBER)
        headers = auth_headers(session, member)
        assert client.get("/api/v1/me", headers=headers).status_code == 200

        answer = ask_on_the_page(client, member.email.upper())
        assert answer.status_code == 302 and answer.location.endswith("/login")
        link = reset_link(app, smtp_server, member.email)
        (message,) = smtp_server.messages
        assert message["Subject"] == "Choose a new Streakpot password" and "Hello Mei," in body_text(message)
        assert "within 60 minutes" in body_text(message)

    with travel(NOW + timedelta(minutes=30)):
        form = client.get(link)
        assert form.status_code == 200 and member.email in text_of(form)
        assert form.headers["Referrer-Policy"] == "no-referrer"
        done = post_form(client, link, {"password": NEW_PASSWORD})
        assert done.status_code == 302
        assert signed_in(client)  # this browser is signed in with a new session
        assert not signed_in(phone) and not signed_in(replay(app, **{REMEMBER: kept}))
        assert client.get("/api/v1/me", headers=headers).status_code == 401
        fresh = app.test_client()
        assert post_form(fresh, "/login", {"email": member.email, "password": PASSWORD}).status_code == 422
        assert (
            post_form(fresh, "/login", {"email": member.email, "password": NEW_PASSWORD}).status_code == 302
        )

        again = client.get(link)  # single use
        assert again.status_code == 410 and "already used" in text_of(again)
        assert (
            post_form(
                app.test_client(), link, {"password": "another fine secret"}, form_page="/password-reset"
            ).status_code
            == 410
        )
    session.refresh(member)
    assert member.email_verified_at == NOW + timedelta(minutes=30)  # the link reached the address


def test_an_expired_link_is_refused(app, client, session, smtp_server, mail_settings):
    member = make_member(session)
    with travel(NOW):
        ask_on_the_page(client, member.email)
        link = reset_link(app, smtp_server, member.email)
    with travel(NOW + LINK_LIFETIME):
        refused = client.get(link)
        assert refused.status_code == 410 and "expired" in text_of(refused)
        assert (
            post_form(client, link, {"password": NEW_PASSWORD}, form_page="/password-reset").status_code
            == 410
        )
    session.refresh(member)
    assert member.password_hash.startswith("pbkdf2")  # unchanged: the factory's hash
    fresh = app.test_client()
    assert post_form(fresh, "/login", {"email": member.email, "password": PASSWORD}).status_code == 302


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    app, client, session, smtp_server, mail_settings
):
    member = make_member(session)
    before = outbox_count(session)
    with travel(NOW):
        known = ask_on_the_page(client, member.email)
        known_page = text_of(client.get("/login"))
        unknown = ask_on_the_page(client, "nobody@example.test")
        unknown_page = text_of(client.get("/login"))
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    # the pages differ only by the address typed (and the per-response CSP nonce)
    same = [re.sub(r'nonce="[^"]+"', 'nonce=""', page) for page in (known_page, unknown_page)]
    assert same[0].replace(member.email, "X") == same[1].replace("nobody@example.test", "X")
    assert outbox_count(session) == before + 1
    deliver(app)
    assert [m["To"] for m in smtp_server.messages] == [member.email]


def test_a_common_password_is_refused_and_the_link_still_works(
    app, client, session, smtp_server, mail_settings
):
    member = make_member(session)
    with travel(NOW):
        ask_on_the_page(client, member.email)
        link = reset_link(app, smtp_server, member.email)
        refused = post_form(client, link, {"password": "password123"})
        assert refused.status_code == 422 and "most common" in text_of(refused)
        assert post_form(client, link, {"password": NEW_PASSWORD}).status_code == 302


def test_using_one_link_ends_the_others(app, client, session, smtp_server, mail_settings):
    member = make_member(session)
    with travel(NOW):
        ask_on_the_page(client, member.email)
        ask_on_the_page(client, member.email)
        deliver(app)
        first, second = (link_in(m, "/password-reset") for m in smtp_server.to(member.email))
        assert post_form(client, second, {"password": NEW_PASSWORD}).status_code == 302
        assert app.test_client().get(first).status_code == 410


def test_asking_again_and_again_queues_only_a_few_mails(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", False)
    member = make_member(session)
    before = outbox_count(session)
    with travel(NOW):
        for _ in range(MAX_OPEN_LINKS + 3):
            client.post("/api/v1/auth/password-reset", json={"email": member.email})
    assert outbox_count(session) == before + MAX_OPEN_LINKS


def test_a_link_sent_before_the_address_changed_opens_nothing(
    app, client, session, smtp_server, mail_settings
):
    member = make_member(session)
    with travel(NOW):
        ask_on_the_page(client, member.email)
        link = reset_link(app, smtp_server, member.email)
        member.email = "new-address@example.test"
        session.commit()
        assert client.get(link).status_code == 410


def test_the_mail_is_in_the_members_language(app, client, session, smtp_server, mail_settings):
    member = make_member(session, locale="zh_Hans", display_name="小梅")
    with travel(NOW):
        client.post("/api/v1/auth/password-reset", json={"email": member.email})
        deliver(app)
    (message,) = smtp_server.messages
    assert message["Subject"] == "设置新的 Streakpot 密码" and "小梅，你好" in body_text(message)


# -- the API --------------------------------------------------------------------------------


def test_the_api_answers_202_whatever_the_address(client, session):
    member = make_member(session)
    known = client.post("/api/v1/auth/password-reset", json={"email": member.email})
    unknown = client.post("/api/v1/auth/password-reset", json={"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 202

    def shown(response) -> dict:  # the CSP nonce and the request's id are new on every response
        return {
            k: v for k, v in response.headers.items() if k not in {"Content-Security-Policy", "X-Request-ID"}
        }

    assert known.data == unknown.data and shown(known) == shown(unknown)


def test_the_api_resets_with_the_token_and_revokes_every_token(
    app, client, session, smtp_server, mail_settings
):
    member = make_member(session)
    with travel(NOW):
        headers = auth_headers(session, member)
        client.post("/api/v1/auth/password-reset", json={"email": member.email})
        token = reset_link(app, smtp_server, member.email).rsplit("/", 1)[1]
        done = client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
        )
        assert done.status_code == 204
        assert client.get("/api/v1/me", headers=headers).status_code == 401
        login = client.post("/api/v1/auth/tokens", json={"email": member.email, "password": NEW_PASSWORD})
        assert login.status_code == 201
        reused = client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "yet another secret"}
        )
    assert reused.status_code == 422
    assert reused.get_json()["code"] == "link_refused" and reused.get_json()["errors"]["token"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"token": "not-a-token", "password": NEW_PASSWORD}, "token"),
        ({"token": "x" * 129, "password": NEW_PASSWORD}, "token"),
        ({"token": "abc", "password": "short"}, "password"),
        ({"password": NEW_PASSWORD}, "token"),
    ],
)
def test_the_api_refuses_bad_confirmations_by_field(client, session, body, field):
    refused = client.post("/api/v1/auth/password-reset/confirm", json=body)
    assert refused.status_code == 422 and field in refused.get_json()["errors"]


def test_the_api_refuses_a_malformed_address(client):
    refused = client.post("/api/v1/auth/password-reset", json={"email": "not an address"})
    assert refused.status_code == 422 and "email" in refused.get_json()["errors"]


def test_both_routes_are_rate_limited_by_their_named_setting(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_PASSWORD_RESET", "2/minute")
    for path, body in (
        ("/api/v1/auth/password-reset", {"email": "a@example.test"}),
        ("/api/v1/auth/password-reset/confirm", {"token": "nope", "password": NEW_PASSWORD}),
    ):
        limiter.reset()  # one budget per name (habits/ratelimits.py): each route starts afresh
        statuses = [client.post(path, json=body).status_code for _ in range(3)]
        assert statuses[-1] == 429 and 429 not in statuses[:2], (path, statuses)
    limiter.reset()
    pages = [ask_on_the_page(app.test_client(), "a@example.test").status_code for _ in range(3)]
    assert pages[-1] == 429 and 429 not in pages[:2]
