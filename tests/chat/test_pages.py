"""The organizers' chat-group page: connect, test, disconnect; refused URLs on their field, in
English and Chinese; members never reach it; a failing hook shows on the challenge's dashboard."""

from __future__ import annotations

from datetime import UTC, datetime

from habits.models import ChatDelivery, ChatWebhook
from tests.factories import make_challenge
from tests.web.helpers import log_in, post_form, text_of


def page(world):
    return f"/communities/{world.community.id}/chat"


def form(receiver, **changes):
    values = {
        "kind": "slack",
        "url": (receiver.base if receiver else "https://hooks.slack.com") + "/services/T/B/C",
        "chat_id": "",
        "secret": "",
        "summary_at": "21:00",
        "locale": "en",
    }
    values.update(changes)
    return values


def test_an_organizer_connects_tests_and_disconnects(client, session, world, receiver):
    log_in(client, world.organizer)
    assert "Connect a chat" in text_of(client.get(page(world)))
    saved = post_form(client, page(world), form(receiver), follow_redirects=True)
    assert saved.status_code == 200 and "The chat group is connected" in text_of(saved)
    hook = session.query(ChatWebhook).one()
    assert (hook.kind, hook.summary_minute) == ("slack", 21 * 60)
    tested = post_form(client, page(world) + "/test", form_page=page(world), follow_redirects=True)
    assert "A test message is on its way" in text_of(tested)
    assert session.query(ChatDelivery).one().purpose == "test"
    gone = post_form(client, page(world) + "/disconnect", form_page=page(world), follow_redirects=True)
    assert "disconnected" in text_of(gone) and session.query(ChatWebhook).count() == 0


def test_a_refused_url_is_shown_on_its_field_in_chinese(client, session, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_URLS_ALLOW_LOOPBACK", False)
    world.organizer.locale = "zh_Hans"
    session.commit()
    log_in(client, world.organizer)
    response = post_form(client, page(world), form(None, url="https://192.168.1.1/hook"))
    assert response.status_code == 422
    html = text_of(response)
    assert "192.168.1.1 不是互联网上的公开地址。" in html
    assert 'aria-invalid="true"' in html and "群" in html
    plain = post_form(client, page(world), form(None, url="http://hooks.slack.com/x"))
    assert "网址必须以 https:// 开头。" in text_of(plain)


def test_telegram_without_its_chat_is_refused_on_that_field(client, world, receiver):
    log_in(client, world.organizer)
    response = post_form(client, page(world), form(receiver, kind="telegram"))
    assert response.status_code == 422
    assert "Give the Telegram chat&#39;s id" in text_of(response) or "Telegram chat's id" in text_of(response)


def test_members_never_reach_the_page(client, world, receiver):
    log_in(client, world.owner)
    assert client.get(page(world)).status_code == 404
    assert client.post(page(world) + "/test", data={}).status_code in (400, 404)


def test_a_failing_hook_shows_on_the_dashboard(client, session, world):
    session.add(
        ChatWebhook(
            community_id=world.community.id,
            kind="slack",
            url="https://hooks.slack.com/services/T/B/C",
            summary_minute=21 * 60,
            locale="en",
            created_at=datetime(2026, 3, 1, tzinfo=UTC),
            updated_at=datetime(2026, 3, 1, tzinfo=UTC),
            failing_since=datetime(2026, 3, 3, 13, 0, tzinfo=UTC),
            last_error="the chat answered 500",
        )
    )
    session.commit()
    log_in(client, world.organizer)
    html = text_of(client.get(f"/challenges/{world.challenge.id}/organize"))
    assert "have been failing since" in html and "the chat answered 500" in html
    chat = text_of(client.get(page(world)))
    assert "Posts to this chat have been failing since" in chat
    assert make_challenge  # (the world's challenge is the dashboard's)
