"""The chat relay: a test message and a summary posted through the outbox, retried with backoff
after a 500 (time moves with time-machine), a failing hook recorded (since when, last error) and
cleared by the next post that goes through; a refused URL fails for good."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from habits.domain.retries import CHAT_RETRIES
from habits.models import ChatDelivery, ChatDeliveryStatus
from habits.notify.chat.transport import ChatWebhookTransport
from habits.services import chat_hooks, chat_relay, outbound_urls
from habits.services.chat_hooks import HookSettings, chat_policy
from tests.timehelpers import travel

T0 = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)


def connect(session, app, world, url, kind="slack", **extra):
    hook = chat_hooks.connect(
        session,
        world.community,
        world.organizer,
        HookSettings(kind=kind, url=url, summary_at="21:00", locale="en", **extra),
        policy=chat_policy(app.config),
        now=T0,
    )
    session.commit()
    return hook


def relay(app, session, now):
    with app.app_context(), travel(now):
        transport = ChatWebhookTransport(policy=chat_policy(app.config))
        return chat_relay.relay_due(session, transport, now=now, commit=session.commit)


def test_a_test_message_is_posted_once(app, session, world, receiver):
    hook = connect(session, app, world, receiver.base + "/services/T/B/C")
    chat_hooks.queue_test(session, world.community, world.organizer, now=T0)
    session.commit()
    result = relay(app, session, T0)
    assert len(result.sent) == 1 and len(receiver.posts) == 1
    assert relay(app, session, T0 + timedelta(minutes=5)).claimed == []
    session.refresh(hook)
    assert hook.last_sent_at == T0 and hook.failing_since is None


def test_a_500_is_retried_after_the_backoff_and_the_hook_reports_its_failure(app, session, world, receiver):
    hook = connect(session, app, world, receiver.base + "/api/webhooks/1/x", kind="discord")
    delivery = chat_hooks.queue_test(session, world.community, world.organizer, now=T0)
    session.commit()
    receiver.answers = [(500, {"message": "boom"}), (503, {})]

    first = relay(app, session, T0)
    assert first.retrying == [delivery.id]
    session.refresh(hook)
    session.refresh(delivery)
    assert hook.failing_since == T0 and "500" in hook.last_error
    assert delivery.status == ChatDeliveryStatus.QUEUED
    assert delivery.next_attempt_at == T0 + CHAT_RETRIES.delay_after(1)

    # not due before the backoff has run out
    assert relay(app, session, T0 + timedelta(seconds=59)).claimed == []
    second_at = T0 + timedelta(minutes=1)
    assert relay(app, session, second_at).retrying == [delivery.id]
    session.refresh(delivery)
    assert delivery.next_attempt_at == second_at + timedelta(minutes=2)
    session.refresh(hook)
    assert hook.failing_since == T0  # still failing since the first failure

    third_at = second_at + timedelta(minutes=2)
    assert relay(app, session, third_at).sent == [delivery.id]
    assert len(receiver.posts) == 3
    session.refresh(hook)
    assert (hook.failing_since, hook.last_error, hook.last_sent_at) == (None, None, third_at)


def test_a_vendor_refusal_inside_a_200_counts_as_a_failure(app, session, world, receiver):
    hook = connect(session, app, world, receiver.base + "/cgi-bin/webhook/send?key=bad", kind="wecom")
    chat_hooks.queue_test(session, world.community, world.organizer, now=T0)
    session.commit()
    receiver.answers = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    assert len(relay(app, session, T0).retrying) == 1
    session.refresh(hook)
    assert "93000" in hook.last_error


def test_a_4xx_fails_for_good(app, session, world, receiver):
    connect(session, app, world, receiver.base + "/services/gone")
    delivery = chat_hooks.queue_test(session, world.community, world.organizer, now=T0)
    session.commit()
    receiver.answers = [(404, {})]
    assert relay(app, session, T0).failed == [delivery.id]
    assert session.get(ChatDelivery, delivery.id).status == ChatDeliveryStatus.FAILED


def test_an_address_that_moved_to_a_private_network_is_refused_at_send_time(
    app, session, world, receiver, monkeypatch
):
    """DNS rebinding: the URL passed when it was saved; before the post it resolves elsewhere."""
    hook = connect(session, app, world, receiver.base + "/services/T/B/C")
    hook.url = "https://hooks.example.com/services/T/B/C"  # as saved when it resolved publicly
    delivery = chat_hooks.queue_test(session, world.community, world.organizer, now=T0)
    session.commit()
    rebound = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))]
    monkeypatch.setattr(outbound_urls.socket, "getaddrinfo", lambda host, port, type=0: rebound)
    result = relay(app, session, T0)
    assert result.failed == [delivery.id] and receiver.posts == []
    session.refresh(hook)
    assert "not a public address" in hook.last_error


def test_disconnecting_drops_what_was_queued(app, session, world, receiver):
    connect(session, app, world, receiver.base + "/services/T/B/C")
    chat_hooks.queue_test(session, world.community, world.organizer, now=T0)
    chat_hooks.disconnect(session, world.community, world.organizer)
    session.commit()
    assert relay(app, session, T0).claimed == [] and receiver.posts == []
