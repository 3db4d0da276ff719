"""Changing one's address, end to end on the local SMTP server: the link goes to the new address
and the old one is told; nothing changes until the link is followed (once, within its lifetime);
then the old address is told again and links mailed to it die. The API's PATCH /me {email} asks
the same way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from habits.mail.compose import compose_mail
from habits.models import Member
from habits.services import email_change, password_reset
from habits.services.email_change import LINK_LIFETIME, MAX_REQUESTS_PER_DAY, EmailChangeTooOften
from habits.services.members import change_password
from tests.api.helpers import auth_headers
from tests.factories import PASSWORD, make_member
from tests.mail.helpers import body_text, deliver, link_in
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, log_in, post_form, text_of

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def member_named(session, member_id: int) -> Member:
    session.expire_all()
    return session.get(Member, member_id)


def ask(app, session, member, new_email: str, *, now=NOW):
    with app.test_request_context("/"):  # its teardown rolls back what is not committed
        pending = email_change.request_email_change(
            session, member, new_email=new_email, composer=compose_mail, now=now
        )
        session.commit()
    return pending


def follow(app, link: str, *, when=NOW):
    """Open the link in a fresh browser (the mail may be read anywhere) and press the button."""
    browser = app.test_client()
    with travel(when):
        page = browser.get(link)
        if page.status_code != 200:
            return page
        return browser.post(link, data={"csrf_token": csrf_token(page.data)})


def test_the_new_address_gets_the_link_the_old_is_told_and_nothing_changes_until_it_is_followed(
    app, client, session, smtp_server, mail_settings
):
    ada = make_member(session, display_name="Ada", email="ada@old.example")
    with travel(NOW):
        log_in(client, ada)
        response = post_form(
            client, "/account/email", {"email-email": "Ada@New.Example"}, form_page="/account"
        )
        assert response.status_code == 302
        deliver(app)
    (to_new,) = smtp_server.to("ada@new.example")
    (to_old,) = smtp_server.to("ada@old.example")
    assert to_new["Subject"] == "Confirm your new e-mail address for Streakpot"
    assert "within 24 hours" in body_text(to_new)
    assert to_old["Subject"] == "Your Streakpot address may change"
    assert "ada@new.example" in body_text(to_old) and "/password-reset" in body_text(to_old)
    link = link_in(to_new, "/email-change")
    assert "/email-change/" not in body_text(to_old)  # the old address never holds the link

    # until it is followed, the old address is the account's: signing in, resets, mail
    assert member_named(session, ada.id).email == "ada@old.example"
    with travel(NOW + timedelta(hours=1)):
        page = app.test_client().get(link)
    assert page.status_code == 200 and "Make ada@new.example the address of Ada" in text_of(page)
    assert member_named(session, ada.id).email == "ada@old.example"  # a GET changes nothing

    done = follow(app, link, when=NOW + timedelta(hours=2))
    assert done.status_code == 302
    moved = member_named(session, ada.id)
    assert moved.email == "ada@new.example" and moved.email_verified_at == NOW + timedelta(hours=2)
    deliver(app)
    told = smtp_server.to("ada@old.example")[-1]
    assert told["Subject"] == "Your Streakpot address has changed"
    assert "now ada@new.example" in body_text(told) and "last e-mail we send to ada@old.example" in body_text(
        told
    )
    again = follow(app, link, when=NOW + timedelta(hours=3))
    assert again.status_code == 410 and "already used" in text_of(again)


def test_the_link_expires(app, session, smtp_server, mail_settings):
    ada = make_member(session, email="ada@old.example")
    ask(app, session, ada, "ada@new.example")
    deliver(app)
    link = link_in(smtp_server.to("ada@new.example")[0], "/email-change")
    late = follow(app, link, when=NOW + LINK_LIFETIME + timedelta(seconds=1))
    assert late.status_code == 410 and "expired" in text_of(late)
    assert member_named(session, ada.id).email == "ada@old.example"


def test_a_second_request_replaces_the_first_and_a_password_change_drops_it(
    app, session, smtp_server, mail_settings
):
    ada = make_member(session, email="ada@old.example")
    ask(app, session, ada, "first@new.example")
    ask(app, session, ada, "second@new.example", now=NOW + timedelta(minutes=5))
    deliver(app)
    first = link_in(smtp_server.to("first@new.example")[0], "/email-change")
    second = link_in(smtp_server.to("second@new.example")[0], "/email-change")
    assert follow(app, first, when=NOW + timedelta(minutes=10)).status_code == 410
    assert email_change.pending_email(session, ada, now=NOW + timedelta(minutes=10)) == "second@new.example"

    change_password(
        session,
        ada,
        current_password=PASSWORD,
        new_password="a brand new secret",
        now=NOW + timedelta(minutes=20),
        password_method="pbkdf2:sha256:1000",
    )
    session.commit()
    assert email_change.pending_email(session, ada, now=NOW + timedelta(minutes=30)) is None
    assert follow(app, second, when=NOW + timedelta(minutes=30)).status_code == 410
    assert member_named(session, ada.id).email == "ada@old.example"


def test_links_mailed_to_the_old_address_die_with_the_move(app, session, smtp_server, mail_settings):
    ada = make_member(session, email="ada@old.example")
    with app.test_request_context("/"):
        password_reset.request_password_reset(
            session, email="ada@old.example", composer=compose_mail, locale="en", now=NOW
        )
        session.commit()
    ask(app, session, ada, "ada@new.example")
    deliver(app)
    reset = link_in(smtp_server.to("ada@old.example")[0], "/password-reset")
    move = link_in(smtp_server.to("ada@new.example")[0], "/email-change")
    assert follow(app, move, when=NOW + timedelta(minutes=1)).status_code == 302
    with travel(NOW + timedelta(minutes=2)):
        assert app.test_client().get(reset).status_code == 410


def test_an_address_taken_meanwhile_is_refused_and_the_link_still_works_once_it_is_free(
    app, session, smtp_server, mail_settings
):
    ada = make_member(session, email="ada@old.example")
    ask(app, session, ada, "wanted@example.test")
    deliver(app)
    link = link_in(smtp_server.to("wanted@example.test")[0], "/email-change")
    rival = make_member(session, email="wanted@example.test")
    refused = follow(app, link, when=NOW + timedelta(minutes=1))
    assert member_named(session, ada.id).email == "ada@old.example"
    assert refused.status_code == 200 and "Another account has this address." in text_of(refused)
    rival.email = "rival@example.test"
    session.commit()
    assert follow(app, link, when=NOW + timedelta(minutes=2)).status_code == 302
    assert member_named(session, ada.id).email == "wanted@example.test"


def test_a_member_asks_at_most_a_few_times_a_day(app, session, smtp_server, mail_settings):
    ada = make_member(session, email="ada@old.example")
    for n in range(MAX_REQUESTS_PER_DAY):
        ask(app, session, ada, f"try{n}@new.example", now=NOW + timedelta(minutes=n))
    with pytest.raises(EmailChangeTooOften):
        ask(app, session, ada, "one-more@new.example", now=NOW + timedelta(hours=1))
    session.rollback()
    assert ask(app, session, ada, "next-day@new.example", now=NOW + timedelta(days=1, minutes=1))


def test_the_api_asks_with_patch_me_and_shows_the_pending_address(
    app, client, session, smtp_server, mail_settings
):
    ada = make_member(session, email="ada@old.example", locale="zh_Hans")
    headers = auth_headers(session, ada)
    answer = client.patch("/api/v1/me", json={"email": "Ada@New.Example", "region": "CN"}, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["email"] == "ada@old.example" and body["pending_email"] == "ada@new.example"
    assert body["region"] == "CN"
    assert client.get("/api/v1/me", headers=headers).get_json()["pending_email"] == "ada@new.example"
    deliver(app)
    (to_new,) = smtp_server.to("ada@new.example")
    assert to_new["Subject"] == "确认你在 Streakpot 的新邮箱地址"  # in the member's language
    assert smtp_server.to("ada@old.example")[0]["Subject"] == "你的 Streakpot 邮箱可能要更改"

    make_member(session, email="taken@example.test")
    taken = client.patch("/api/v1/me", json={"email": "taken@example.test"}, headers=headers)
    assert taken.status_code == 409 and taken.get_json()["code"] == "email_in_use"
    assert "email" in taken.get_json()["errors"]
    for bad in ({"email": "not an address"}, {"region": "ZZ"}, {"region": "gb"}, {"email": None}):
        refused = client.patch("/api/v1/me", json=bad, headers=headers)
        assert refused.status_code == 422 and set(refused.get_json()["errors"]) == set(bad), bad
    back = client.patch("/api/v1/me", json={"region": None, "email": "ada@old.example"}, headers=headers)
    assert back.get_json()["region"] is None and back.get_json()["pending_email"] is None
    assert session.scalar(select(Member.email).where(Member.id == ada.id)) == "ada@old.example"
