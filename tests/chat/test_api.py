"""/api/v1/communities/{id}/chat-webhook: organizers connect, read, test and disconnect; members
get 403 on writes and 404 on the read; bad URLs are 422s on the ``url`` field."""

from __future__ import annotations

import pytest

from habits.models import ChatDelivery, ChatWebhook
from habits.services import outbound_urls
from habits.services.outbound_urls import OutboundPolicy


def path(world, tail=""):
    return f"/api/v1/communities/{world.community.id}/chat-webhook{tail}"


def body(receiver, **overrides):
    values = {
        "kind": "slack",
        "url": (receiver.base if receiver else "https://hooks.slack.com") + "/services/T/B/C",
        "summary_at": "21:30",
        "locale": "zh_Hans",
    }
    values.update(overrides)
    return values


def test_an_organizer_connects_reads_tests_and_disconnects(client, session, world, receiver):
    put = client.put(path(world), json=body(receiver), headers=world.as_("co_organizer"))
    assert put.status_code == 200, put.get_json()
    view = put.get_json()
    assert (view["kind"], view["summary_at"], view["locale"], view["failing_since"]) == (
        "slack", "21:30", "zh_Hans", None,
    )  # fmt: skip
    assert client.get(path(world), headers=world.as_("organizer")).get_json() == view
    test = client.post(path(world, "/test"), headers=world.as_("organizer"))
    assert test.status_code == 202 and test.get_json()["status"] == "queued"
    assert session.get(ChatDelivery, test.get_json()["id"]).purpose == "test"
    assert client.delete(path(world), headers=world.as_("organizer")).status_code == 204
    assert client.get(path(world), headers=world.as_("organizer")).status_code == 404
    assert session.query(ChatWebhook).count() == 0


def test_telegram_needs_its_chat_and_dingtalk_keeps_its_secret_unread(client, world, receiver):
    missing = client.put(path(world), json=body(receiver, kind="telegram"), headers=world.as_("organizer"))
    assert missing.status_code == 422
    assert list(missing.get_json()["errors"]) == ["chat_id"]
    signed = client.put(
        path(world), json=body(receiver, kind="dingtalk", secret="SECabc"), headers=world.as_("organizer")
    )
    assert signed.status_code == 200 and signed.get_json()["signed"] is True
    assert "SECabc" not in signed.get_data(as_text=True)


@pytest.mark.parametrize(("who", "status"), [("owner", 403), ("outsider", 403), ("anonymous", 401)])
def test_only_organizers_change_the_hook(client, world, receiver, who, status):
    assert client.put(path(world), json=body(receiver), headers=world.as_(who)).status_code == status
    assert client.delete(path(world), headers=world.as_(who)).status_code == status
    assert client.post(path(world, "/test"), headers=world.as_(who)).status_code == status


@pytest.mark.parametrize("who", ["owner", "other", "outsider"])
def test_nobody_but_the_organizers_sees_the_hook(client, world, receiver, who):
    assert client.put(path(world), json=body(receiver), headers=world.as_("organizer")).status_code == 200
    assert client.get(path(world), headers=world.as_(who)).status_code == 404


def test_testing_without_a_hook_is_404(client, world):
    assert client.post(path(world, "/test"), headers=world.as_("organizer")).status_code == 404


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://hooks.slack.com/services/x", "must start with https://"),
        ("https://10.0.0.1/services/x", "not a public address"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),
        ("https://[::ffff:127.0.0.1]/x", "not a public address"),
        ("https://127.0.0.1/x", "not a public address"),
        ("https://2130706433/x", "Write an IP address"),
        ("https://user:pw@hooks.slack.com/x", "user name or password"),
    ],
)
def test_urls_the_server_must_not_call_are_422_on_the_url_field(client, world, app, monkeypatch, url, says):
    monkeypatch.setitem(app.config, "OUTBOUND_URLS_ALLOW_LOOPBACK", False)
    response = client.put(path(world), json={**body(None, url=url)}, headers=world.as_("organizer"))
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "outbound_url_refused" and list(problem["errors"]) == ["url"]
    assert says in problem["errors"]["url"][0]


def test_in_production_only_the_kinds_hosts_are_allowed(client, world, monkeypatch):
    policy = OutboundPolicy(allowed_hosts={}, allow_loopback=False)
    monkeypatch.setattr("habits.services.chat_hooks.OutboundPolicy.from_settings", lambda settings: policy)
    monkeypatch.setattr(
        outbound_urls.socket,
        "getaddrinfo",
        lambda host, port, type=0: [(2, 1, 6, "", ("93.184.215.14", 443))],
    )
    wrong = client.put(
        path(world),
        json=body(None, kind="slack", url="https://discord.com/api/webhooks/1/x"),
        headers=world.as_("organizer"),
    )
    assert wrong.status_code == 422 and "discord.com" in wrong.get_json()["errors"]["url"][0]
    right = client.put(
        path(world),
        json=body(None, kind="discord", url="https://discord.com/api/webhooks/1/x"),
        headers=world.as_("organizer"),
    )
    assert right.status_code == 200, right.get_json()


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "irc"},
        {"summary_at": "25:00"},
        {"summary_at": "7pm"},
        {"locale": "fr"},
        {"url": ""},
        {"url": "x" * 3000},
        {"chat_id": "x\u0000"},
    ],
)
def test_bad_input_is_422_never_500(client, world, receiver, changes):
    response = client.put(path(world), json=body(receiver, **changes), headers=world.as_("organizer"))
    assert response.status_code == 422
