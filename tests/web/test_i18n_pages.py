"""English and Simplified Chinese: chosen from the member, the switch, or the browser."""

from __future__ import annotations

from tests.factories import make_member
from tests.web.helpers import csrf_token, log_in, text_of


def test_english_by_default(client, session):
    page = text_of(client.get("/"))
    assert '<html lang="en">' in page and "Keep the habit, keep your deposit" in page


def test_a_chinese_browser_gets_chinese(client, session):
    page = text_of(client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}))
    assert '<html lang="zh-Hans">' in page
    assert "坚持习惯，拿回押金" in page


def test_the_language_switch_changes_the_page_for_a_visitor(client, session):
    token = csrf_token(client.get("/login").data)
    response = client.post("/language", data={"csrf_token": token, "locale": "zh_Hans", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = text_of(client.get("/"))
    assert "坚持习惯" in page and "English" in page  # and the way back


def test_the_switch_is_kept_on_the_members_profile(client, session):
    member = make_member(session)
    log_in(client, member)
    token = csrf_token(client.get("/").data)
    client.post("/language", data={"csrf_token": token, "locale": "zh_Hans", "next": "/"})
    session.refresh(member)
    assert member.locale == "zh_Hans"
    # a new session on another device: the member's locale wins over the browser's language
    other = client.application.test_client()
    log_in(other, member)
    assert "今天" in text_of(other.get("/", headers={"Accept-Language": "en"}))


def test_an_unknown_language_changes_nothing(client, session):
    token = csrf_token(client.get("/").data)
    client.post("/language", data={"csrf_token": token, "locale": "tlh", "next": "/"})
    assert '<html lang="en">' in text_of(client.get("/"))


def test_money_is_shown_in_the_challenges_currency(app):
    from habits.web.i18n import money

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert money(7000, "CNY") == "CN¥70.00"
        assert money(7000, "USD") == "$70.00"
        assert money(7000, "EUR") == "€70.00"
        assert money(7000, "JPY") == "¥7,000"
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert money(7000, "CNY") == "¥70.00"


def test_registering_in_chinese_keeps_chinese(client, session):
    from sqlalchemy import select

    from habits.models import Member

    headers = {"Accept-Language": "zh-CN"}
    token = csrf_token(client.get("/register", headers=headers).data)
    client.post(
        "/register",
        headers=headers,
        data={
            "csrf_token": token,
            "display_name": "李明",
            "email": "liming@example.test",
            "password": "zaoqi-zaoqi",
            "timezone": "Asia/Shanghai",
        },
    )
    member = session.scalar(select(Member).where(Member.email == "liming@example.test"))
    assert member.locale == "zh_Hans"
