"""The demo's mail page (demo only, this machine only) and unsubscribing from a mail's link."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app import create_app
from habits.extensions import limiter
from habits.mail.compose import unsubscribe_token
from habits.services import mail
from tests.conftest import test_settings
from tests.factories import make_member
from tests.web.helpers import csrf_token, text_of

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def demo_app(database_url, tmp_path):
    return create_app({**test_settings(database_url, tmp_path), "STREAKPOT_ENV": "demo"})


@pytest.fixture
def a_mail(session):
    queued = mail.enqueue(
        session,
        to="mei@example.test",
        kind="password_reset",
        subject="Choose a new Streakpot password",
        body_text="Open https://localhost/password-reset/abc",
        now=NOW,
    )
    session.commit()
    return queued


def test_the_demo_shows_its_mail_to_this_machine(demo_app, session, a_mail):
    page = demo_app.test_client().get("/dev/mail", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert page.status_code == 200
    assert "mei@example.test" in text_of(page) and "/password-reset/abc" in text_of(page)
    ipv6 = demo_app.test_client().get("/dev/mail", environ_base={"REMOTE_ADDR": "::1"})
    assert ipv6.status_code == 200


@pytest.mark.parametrize(
    ("remote", "headers"),
    [
        ("192.0.2.7", {}),
        ("10.0.0.2", {}),
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}),  # a proxy on this machine, for someone else
        ("127.0.0.1", {"Forwarded": "for=203.0.113.9"}),
        ("not-an-address", {}),
    ],
)
def test_the_demo_mail_page_is_a_404_for_anyone_else(demo_app, session, a_mail, remote, headers):
    page = demo_app.test_client().get("/dev/mail", environ_base={"REMOTE_ADDR": remote}, headers=headers)
    assert page.status_code == 404 and "mei@example.test" not in text_of(page)


def test_the_demo_mail_page_is_a_404_outside_the_demo(app, client, session, a_mail):
    assert app.config["STREAKPOT_ENV"] == "test"
    page = client.get("/dev/mail", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert page.status_code == 404


def test_one_click_unsubscribe_needs_no_cookie_and_stops_that_kind(app, client, session):
    member = make_member(session, email_verified_at=NOW)
    with app.test_request_context():
        token = unsubscribe_token(member.id, "test_news")
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "test_news" in text_of(page)
    assert not mail.opted_out(session, member.id, "test_news")  # a GET changes nothing
    # what a mail program sends (RFC 8058): no cookie, no CSRF token
    one_click = app.test_client().post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert mail.opted_out(session, member.id, "test_news")
    assert not mail.opted_out(session, member.id, "password_reset")


def test_a_forged_unsubscribe_link_is_a_404(app, client, session):
    member = make_member(session)
    with app.test_request_context():
        token = unsubscribe_token(member.id, "test_news")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/unsubscribe/{forged}").status_code == 404
    assert client.get("/unsubscribe/nonsense").status_code == 404
    assert not mail.opted_out(session, member.id, "test_news")


def test_links_in_mail_are_rate_limited_by_their_named_setting(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_EMAIL_LINKS", "2/minute")
    member = make_member(session)
    with app.test_request_context():
        token = unsubscribe_token(member.id, "test_news")
    statuses = [client.post(f"/unsubscribe/{token}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limiter.reset()  # one budget per name (habits/ratelimits.py): the verify links start afresh
    csrf = csrf_token(client.get("/login").data)
    verify = [client.post("/verify-email/made-up", data={"csrf_token": csrf}).status_code for _ in range(3)]
    assert verify == [410, 410, 429]
