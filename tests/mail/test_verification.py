"""An address is verified by the link mailed at sign-up (page and API), once; sign-in never
waits for it; mail that is not transactional asks first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from habits.models import Member
from habits.services.email_verification import LINK_LIFETIME
from habits.services.members import can_receive_non_transactional
from tests.factories import make_member
from tests.mail.helpers import body_text, deliver, link_in
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, post_form, text_of
from tests.web.test_sessions import signed_in

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def register_on_the_page(client, email: str):
    body = {"display_name": "Ada", "email": email, "password": "correct horse", "timezone": "UTC"}
    response = post_form(client, "/register", body)
    assert response.status_code == 302, text_of(response)[:500]
    return response


def member_by_email(session, email: str) -> Member:
    session.expire_all()
    return session.scalar(select(Member).where(Member.email == email))


def test_registering_on_the_page_mails_a_link_that_verifies_once(
    app, client, session, smtp_server, mail_settings
):
    with travel(NOW):
        register_on_the_page(client, "ada@example.test")
        assert signed_in(client)  # sign-in does not wait for the address
        ada = member_by_email(session, "ada@example.test")
        assert ada.email_verified_at is None and not can_receive_non_transactional(ada)
        deliver(app)
    (message,) = smtp_server.to("ada@example.test")
    assert message["Subject"] == "Confirm your e-mail address for Streakpot" and "Hello Ada," in body_text(
        message
    )
    link = link_in(message, "/verify-email")

    stranger = app.test_client()  # the link works in any browser: it is the proof
    with travel(NOW + timedelta(days=2)):
        page = stranger.get(link)
        assert page.status_code == 200 and "ada@example.test" in text_of(page)
        assert member_by_email(session, "ada@example.test").email_verified_at is None  # a GET changes nothing
        assert stranger.post(link, data={"csrf_token": csrf_token(page.data)}).status_code == 302
        ada = member_by_email(session, "ada@example.test")
        assert ada.email_verified_at == NOW + timedelta(days=2) and can_receive_non_transactional(ada)
        again = stranger.get(link)
    assert again.status_code == 410 and "already used" in text_of(again)


def test_registering_through_the_api_mails_the_link_in_the_chosen_language(
    app, client, session, smtp_server, mail_settings
):
    body = {
        "email": "li@example.test",
        "password": "correct horse",
        "display_name": "李",
        "locale": "zh_Hans",
    }
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    deliver(app)
    (message,) = smtp_server.to("li@example.test")
    assert message["Subject"] == "确认你在 Streakpot 的邮箱地址" and "/verify-email/" in body_text(message)


def test_a_refused_registration_queues_no_mail(app, client, session, smtp_server, mail_settings):
    taken = make_member(session)
    body = {"email": taken.email, "password": "correct horse", "display_name": "Again"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 409
    deliver(app)
    assert smtp_server.messages == []


def test_an_expired_verification_link_is_refused_and_a_new_one_can_be_asked_for(
    app, client, session, smtp_server, mail_settings
):
    with travel(NOW):
        register_on_the_page(client, "bo@example.test")
        deliver(app)
    first = link_in(smtp_server.to("bo@example.test")[0], "/verify-email")
    with travel(NOW + LINK_LIFETIME):
        assert client.get(first).status_code == 410
        status = client.get("/verify-email")
        assert status.status_code == 200 and "Not confirmed yet" in text_of(status)
        assert post_form(client, "/verify-email").status_code == 302
        deliver(app)
        second = link_in(smtp_server.to("bo@example.test")[1], "/verify-email")
        page = client.get(second)
        assert client.post(second, data={"csrf_token": csrf_token(page.data)}).status_code == 302
        assert "Confirmed" in text_of(client.get("/verify-email"))


def test_a_made_up_link_is_refused(client):
    refused = client.get("/verify-email/made-up-token")
    assert refused.status_code == 410 and "not valid" in text_of(refused)
