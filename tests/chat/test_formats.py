"""Each chat's format, received by a local HTTP server: the JSON each vendor's webhook takes, in
the hook's language, with the summary's facts (and nothing in a member's name read as markup)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from habits.notify.chat.transport import ChatWebhookTransport
from habits.services.chat_hooks import chat_policy
from habits.services.chat_relay import OutgoingChat
from tests.chat.receiver import ChatReceiver

NOW = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
FACTS = {
    "community": "Early birds",
    "date": "2026-03-04",
    "zone": "Asia/Shanghai",
    "challenges": [
        {
            "title": "Rise at 6",
            "day_index": 2,
            "checked_in": 2,
            "taking_part": 3,
            "squads": [],
            "risers": [
                {"name": "<@everyone> *Ann*", "at": "2026-03-03T21:01:00+00:00"},
                {"name": "Bo", "at": "2026-03-03T21:05:00+00:00"},
            ],
            "milestones": [{"name": "Bo", "days": 3}],
            "eliminated": ["Cy"],
            "eliminated_more": 0,
            "pot_minor": 7000,
            "currency": "CNY",
        }
    ],
}


def send(app, receiver, kind, *, path="/hook", locale="en", chat_id=None, secret=None, purpose="summary"):
    message = OutgoingChat(
        id=1,
        community_id=1,
        purpose=purpose,
        params=FACTS if purpose == "summary" else {"community": "Early birds", "summary_at": "21:00"},
        kind=kind,
        url=receiver.base + path,
        chat_id=chat_id,
        secret=secret,
        locale=locale,
        attempts=1,
        claim_token="t",
    )
    with app.app_context():
        transport = ChatWebhookTransport(policy=chat_policy(app.config), clock=lambda: NOW)
        failure = transport.send(message)
    assert failure is None
    (post,) = receiver.posts
    return post


def test_wecom_posts_markdown_in_the_hooks_language(app, receiver):
    post = send(app, receiver, "wecom", path="/cgi-bin/webhook/send?key=K1", locale="zh_Hans")
    assert post.path == "/cgi-bin/webhook/send?key=K1"
    assert post.body["msgtype"] == "markdown"
    content = post.body["markdown"]["content"]
    assert "Early birds" in content and "第 3 天" in content.replace("第3天", "第 3 天")
    assert "¥70.00" in content  # the pot, written as Chinese pages write money
    assert "05:01" in content  # the earliest riser's check-in, on the community's clock
    assert "\\*Ann\\*" in content  # a name is not markup


def test_dingtalk_posts_markdown_signed_with_the_secret(app, receiver):
    post = send(app, receiver, "dingtalk", path="/robot/send?access_token=T", secret="SEC")
    assert post.body["msgtype"] == "markdown"
    assert post.body["markdown"]["title"].startswith("Early birds")
    assert "Pot: CN¥70.00" in post.body["markdown"]["text"]
    query = parse_qs(urlsplit(post.path).query)
    timestamp = int(NOW.timestamp() * 1000)
    expected = base64.b64encode(
        hmac.new(b"SEC", f"{timestamp}\nSEC".encode(), hashlib.sha256).digest()
    ).decode()
    assert query == {"access_token": ["T"], "timestamp": [str(timestamp)], "sign": [expected]}


def test_feishu_posts_rich_text_rows(app, receiver):
    post = send(app, receiver, "feishu", path="/open-apis/bot/v2/hook/X", locale="zh_Hans")
    assert post.body["msg_type"] == "post"
    page = post.body["content"]["post"]["zh_cn"]
    assert page["title"].startswith("Early birds")
    texts = [element["text"] for row in page["content"] for element in row]
    assert all(element["tag"] == "text" for row in page["content"] for element in row)
    assert any("Bo" in text and "3" in text for text in texts)


def test_slack_posts_text_and_blocks_with_names_escaped(app, receiver):
    post = send(app, receiver, "slack", path="/services/T/B/C")
    assert post.body["text"].startswith("Early birds")
    header, section = post.body["blocks"]
    assert header["type"] == "header" and section["text"]["type"] == "mrkdwn"
    assert "&lt;@everyone&gt;" in section["text"]["text"] and "<@everyone>" not in section["text"]["text"]
    assert "Checked in: 2 of 3" in section["text"]["text"]
    assert "Out of the challenge: Cy" in section["text"]["text"]


def test_discord_posts_content_that_pings_nobody(app, receiver):
    post = send(app, receiver, "discord", path="/api/webhooks/1/tok")
    assert post.body["allowed_mentions"] == {"parse": []}
    assert post.body["content"].startswith("**Early birds")
    assert "Bo: a 3-day streak!" in post.body["content"]


def test_telegram_calls_send_message_with_the_chat(app, receiver):
    post = send(app, receiver, "telegram", path="/bot123:ABC", chat_id="-100123")
    assert post.path == "/bot123:ABC/sendMessage"
    assert post.body["chat_id"] == "-100123"
    assert post.body["text"].startswith("Early birds · summary of 2026-03-04")
    assert "parse_mode" not in post.body


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu", "slack", "discord", "telegram"])
def test_the_test_message_names_the_community_and_time(app, receiver, kind):
    post = send(app, receiver, kind, purpose="test", chat_id="42", locale="zh_Hans")
    assert "Early birds" in str(post.body) and "21:00" in str(post.body)


def test_the_host_header_names_the_host_while_the_connection_goes_to_the_checked_address(app, receiver):
    post = send(app, receiver, "slack")
    assert post.headers["host"] == urlsplit(receiver.base).netloc
    assert post.headers["content-type"].startswith("application/json")


def test_https_goes_to_the_checked_address_and_verifies_the_certificate(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "OUTBOUND_URLS_ALLOW_LOOPBACK", True)
    message = OutgoingChat(
        id=1, community_id=1, purpose="test", params={"community": "Early birds", "summary_at": "21:00"},
        kind="slack", url="", chat_id=None, secret=None, locale="en", attempts=1, claim_token="t",
    )  # fmt: skip
    with ChatReceiver(tls_folder=tmp_path) as receiver, app.app_context():
        url = receiver.base + "/services/T/B/C"
        assert url.startswith("https://")
        trusted = ChatWebhookTransport(policy=chat_policy(app.config), ca_certs=str(receiver.cert_path))
        assert trusted.send(replace(message, url=url)) is None
        (post,) = receiver.posts
        assert post.body["text"] == "Streakpot is connected to this chat"
        # the system's trust store does not know the run's certificate: no post, a retry later
        failure = ChatWebhookTransport(policy=chat_policy(app.config)).send(replace(message, url=url))
        assert failure is not None and not failure.permanent and len(receiver.posts) == 1
