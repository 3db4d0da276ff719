"""Web Push, end to end: the scheduler's push relay sends each queued push to a real HTTPS push
service on this machine (tests/notifications/push_service.py), encrypted for the browser's keys
(decrypted here with the private key the test made for the "browser") and signed with the
server's VAPID key; a gone subscription is removed, a failure retried with the outbox's backoff."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from habits import scheduler
from habits import vapid_keys as vapid
from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.retries import PUSH_RETRIES
from habits.models import ChallengeStatus, PushStatus, PushSubscription
from habits.services.notifications import notify
from habits.services.notifications.push_relay import claim_due
from habits.services.notifications.reminders import remind_due
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment, make_member
from tests.notifications.helpers import add_device, deliveries
from tests.notifications.push_service import PushService, verify_vapid
from tests.timehelpers import travel

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def push_service(app, tmp_path, monkeypatch):
    """The push service, trusted by the app's HTTP client, its loopback address allowed."""
    monkeypatch.setitem(app.config, "OUTBOUND_URLS_ALLOW_LOOPBACK", True)
    with PushService(tmp_path) as service:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(service.cert_path))
        yield service


def tell(session, member, *, key="n1", kind="payout_approved", params=None):
    notify(
        session,
        recipient_id=member.id,
        kind=kind,
        params=params
        or {"payout_id": 1, "amount_minor": 12345, "currency": "CNY", "reason": "", "reference": ""},
        dedupe_key=key,
        now=NOW,
    )
    session.commit()


def relay(app, at=NOW) -> dict:
    with travel(at):
        return scheduler.run_push_relay(app)


def test_a_push_arrives_encrypted_for_the_browser_signed_and_in_the_members_language(
    app, session, push_service
):
    member = make_member(session, locale="zh_Hans", timezone="Asia/Shanghai")
    device, keys = add_device(session, member.id, endpoint=push_service.endpoint("phone"))
    tell(session, member)
    assert relay(app)["sent"] == 1
    (received,) = push_service.to("phone")
    assert received.headers["content-encoding"] == "aes128gcm"
    assert int(received.headers["ttl"]) > 0
    message = json.loads(keys.decrypt(received.body))
    assert message["title"] == "打款已批准"
    assert message["body"] == "你的 ¥123.45 打款已获批准，将会发送给你。"
    assert message["url"] == "/checkin" and message["kind"] == "payout_approved"
    claims, key = verify_vapid(received)
    assert key == vapid.public_key(app.config["VAPID_PRIVATE_KEY"])
    assert claims["aud"] == f"https://127.0.0.1:{push_service.port}" and claims["sub"].startswith("mailto:")
    (delivery,) = deliveries(session)
    assert (delivery.status, delivery.attempts, delivery.subscription_id) == (PushStatus.SENT, 1, device.id)
    assert relay(app, NOW + timedelta(minutes=5))["sent"] == 0  # sent once
    assert len(push_service.received) == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_says_is_gone_is_removed(app, session, push_service, status):
    member = make_member(session)
    gone, _ = add_device(session, member.id, endpoint=push_service.endpoint("old"))
    kept, keys = add_device(session, member.id, endpoint=push_service.endpoint("new"))
    push_service.answers["/push/old"] = status
    tell(session, member)
    result = relay(app)
    assert (result["sent"], result["removed"]) == (1, 1)
    assert session.scalars(select(PushSubscription.id).execution_options(populate_existing=True)).all() == [
        kept.id
    ]
    assert [d.subscription_id for d in deliveries(session)] == [kept.id]
    assert json.loads(keys.decrypt(push_service.to("new")[0].body))["title"] == "Payout approved"


def test_a_failure_is_retried_with_the_outbox_backoff_then_sent(app, session, push_service):
    member = make_member(session)
    add_device(session, member.id, endpoint=push_service.endpoint("busy"))
    push_service.answers["/push/busy"] = 503
    tell(session, member)
    assert relay(app)["retrying"] == 1
    (delivery,) = deliveries(session)
    assert delivery.status == PushStatus.QUEUED and delivery.attempts == 1
    assert delivery.next_attempt_at == NOW + PUSH_RETRIES.delay_after(1)
    assert relay(app, NOW + timedelta(seconds=30))["sent"] == 0  # not due yet: nothing sent
    assert len(push_service.to("busy")) == 1
    push_service.answers["/push/busy"] = 201
    assert relay(app, delivery.next_attempt_at)["sent"] == 1
    assert deliveries(session)[0].status == PushStatus.SENT


def test_a_refusal_no_retry_can_change_fails_for_good(app, session, push_service):
    member = make_member(session)
    add_device(session, member.id, endpoint=push_service.endpoint("picky"))
    push_service.answers["/push/picky"] = 400
    tell(session, member)
    assert relay(app)["failed"] == 1
    assert deliveries(session)[0].status == PushStatus.FAILED


def test_out_of_attempts_it_fails_and_an_unreachable_service_blocks_nothing(app, session, push_service):
    member = make_member(session)
    # a closed port: the connection is refused, again and again
    add_device(session, member.id, endpoint="https://127.0.0.1:1/push/nobody-listens")
    tell(session, member)
    at = NOW
    for _ in range(PUSH_RETRIES.max_attempts):
        relay(app, at)
        (delivery,) = deliveries(session)
        at = delivery.next_attempt_at
    assert delivery.status == PushStatus.FAILED and delivery.attempts == PUSH_RETRIES.max_attempts


def test_a_reminder_is_not_pushed_once_the_day_is_checked_in(app, session, push_service):
    ch = make_challenge(session, days=1, status=ChallengeStatus.RUNNING)
    member = make_member(session, reminder_minutes_before_close=60)
    with travel(at_local(ch, -1, "12:00")):
        enrollment = make_enrollment(session, ch, member, status=EnrollmentStatus.ACTIVE, funded=False)
    add_device(session, member.id, endpoint=push_service.endpoint("reminded"))
    remind_due(session, now=at_local(ch, 0, "06:00"))
    session.commit()
    make_checkin(session, enrollment, 0, at=at_local(ch, 0, "06:00"))
    assert relay(app, at_local(ch, 0, "06:00"))["skipped"] == 1
    assert push_service.received == []
    assert deliveries(session)[0].status == PushStatus.SKIPPED


def test_a_reminder_goes_out_while_the_window_is_open(app, session, push_service):
    ch = make_challenge(session, days=1, status=ChallengeStatus.RUNNING)
    member = make_member(session, reminder_minutes_before_close=60)
    with travel(at_local(ch, -1, "12:00")):
        make_enrollment(session, ch, member, status=EnrollmentStatus.ACTIVE, funded=False)
    _, keys = add_device(session, member.id, endpoint=push_service.endpoint("reminded"))
    remind_due(session, now=at_local(ch, 0, "06:00"))
    session.commit()
    assert relay(app, at_local(ch, 0, "06:00"))["sent"] == 1
    message = json.loads(keys.decrypt(push_service.to("reminded")[0].body))
    assert message["title"] == "Time to check in" and message["body"].endswith("closes at 11:00\u202fPM.")


def test_an_endpoint_the_server_may_not_call_is_never_called_and_the_device_removed(
    app, session, push_service, monkeypatch
):
    member = make_member(session)
    add_device(session, member.id, endpoint=push_service.endpoint("private"))
    tell(session, member)
    monkeypatch.setitem(app.config, "OUTBOUND_URLS_ALLOW_LOOPBACK", False)  # as in production
    assert relay(app)["removed"] == 1
    assert push_service.received == []


@pytest.mark.postgres
def test_two_relays_at_once_claim_different_pushes(pg_engine):
    with Session(pg_engine) as session:
        member = make_member(session)
        for _ in range(2):
            add_device(session, member.id)
        for n in range(5):
            tell(session, member, key=f"race-{n}")
    with Session(pg_engine) as first, Session(pg_engine) as second:
        mine = claim_due(first, now=NOW, limit=4)  # not committed: its rows stay locked
        theirs = claim_due(second, now=NOW, limit=100)  # SKIP LOCKED: it takes the others
        first.commit()
        second.commit()
    assert len(mine) == 4 and len(theirs) == 6
    assert not {p.id for p in mine} & {p.id for p in theirs}
