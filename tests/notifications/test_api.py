"""The API of notifications and Web Push: a member reads and marks only their own notifications,
adds and removes only their own devices (404 on anyone else's), and chooses reminders and the
digest through PATCH /me; each write has its named rate limit."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from habits import vapid_keys as vapid
from habits.models import Member, PushSubscription
from habits.services.notifications import notify
from tests.notifications.helpers import BrowserKeys, add_device

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def loopback_push(app, monkeypatch):
    """Push endpoints on this machine are allowed, as the push tests' service needs."""
    monkeypatch.setitem(app.config, "OUTBOUND_URLS_ALLOW_LOOPBACK", True)


def tell(session, member, n: int) -> list[int]:
    ids = [
        notify(
            session,
            recipient_id=member.id,
            kind="refund_completed",
            params={"amount_minor": 100 * (i + 1), "currency": "CNY"},
            dedupe_key=f"api-test:{member.id}:{i}",
            now=NOW,
        )
        for i in range(n)
    ]
    session.commit()
    return ids


def subscription_body(keys: BrowserKeys, endpoint: str = "https://127.0.0.1:8443/push/abc") -> dict:
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}


def test_a_member_reads_their_own_notifications_newest_first_with_the_unread_count(client, session, world):
    mine = tell(session, world.owner, 3)
    tell(session, world.other, 2)
    page = client.get("/api/v1/me/notifications?per_page=2", headers=world.as_("owner")).get_json()
    assert [item["id"] for item in page["items"]] == mine[::-1][:2]
    assert (page["total"], page["unread"], page["page"], page["per_page"]) == (3, 3, 1, 2)
    first = page["items"][0]
    assert first["kind"] == "refund_completed" and first["params"] == {"amount_minor": 300, "currency": "CNY"}
    assert (first["title"], first["body"], first["read_at"]) == (
        "Refund completed",
        "CN¥3.00 is back on your card.",
        None,
    )
    assert first["created_at"] == "2026-03-02T08:00:00Z"


def test_marking_read_up_to_an_id_touches_only_the_callers_notifications(client, session, world):
    mine = tell(session, world.owner, 3)
    theirs = tell(session, world.other, 2)
    # an id beyond everything the caller has: still only their own become read
    response = client.post(
        "/api/v1/me/notifications/read", json={"up_to_id": max(theirs + mine)}, headers=world.as_("outsider")
    )
    assert response.get_json() == {"unread": 0}
    response = client.post(
        "/api/v1/me/notifications/read", json={"up_to_id": mine[1]}, headers=world.as_("owner")
    )
    assert response.status_code == 200 and response.get_json() == {"unread": 1}
    unread = client.get("/api/v1/me/notifications?unread=true", headers=world.as_("owner")).get_json()
    assert [item["id"] for item in unread["items"]] == [mine[2]] and unread["total"] == 1
    others = client.get("/api/v1/me/notifications", headers=world.as_("other")).get_json()
    assert others["unread"] == 2 and all(item["read_at"] is None for item in others["items"])


@pytest.mark.parametrize(
    "body", [{}, {"up_to_id": "3"}, {"up_to_id": 0}, {"up_to_id": 1.0}, {"up_to_id": 2**63}]
)
def test_marking_read_needs_a_positive_integer_id(client, world, body):
    response = client.post("/api/v1/me/notifications/read", json=body, headers=world.as_("owner"))
    assert response.status_code == 422


def test_anonymous_callers_get_401_and_the_public_key_is_for_everyone(app, client, world):
    assert client.get("/api/v1/me/notifications").status_code == 401
    assert client.post("/api/v1/me/notifications/read", json={"up_to_id": 1}).status_code == 401
    assert client.post("/api/v1/me/push-subscriptions", json={}).status_code == 401
    key = client.get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    assert key == vapid.public_key(app.config["VAPID_PRIVATE_KEY"])
    assert len(base64.urlsafe_b64decode(key + "=")) == 65  # an uncompressed P-256 point, as browsers take it


def test_a_browser_subscribes_once_and_a_second_member_on_it_takes_it_over(
    client, session, world, loopback_push
):
    keys = BrowserKeys()
    first = client.post(
        "/api/v1/me/push-subscriptions", json=subscription_body(keys), headers=world.as_("owner")
    )
    assert first.status_code == 201, first.get_json()
    again = client.post(
        "/api/v1/me/push-subscriptions", json=subscription_body(keys), headers=world.as_("owner")
    )
    assert again.get_json()["id"] == first.get_json()["id"]
    fresh = BrowserKeys()
    other = client.post(
        "/api/v1/me/push-subscriptions", json=subscription_body(fresh), headers=world.as_("other")
    )
    (device,) = session.scalars(select(PushSubscription).execution_options(populate_existing=True)).all()
    assert (device.id, device.member_id, device.p256dh) == (
        other.get_json()["id"],
        world.other.id,
        fresh.p256dh,
    )


def test_a_member_removes_only_their_own_devices(client, session, world):
    mine, _ = add_device(session, world.owner.id)
    theirs, _ = add_device(session, world.other.id)
    assert (
        client.delete(f"/api/v1/me/push-subscriptions/{theirs.id}", headers=world.as_("owner")).status_code
        == 404
    )
    assert (
        client.delete("/api/v1/me/push-subscriptions/999999", headers=world.as_("owner")).status_code == 404
    )
    assert (
        client.delete(f"/api/v1/me/push-subscriptions/{mine.id}", headers=world.as_("owner")).status_code
        == 204
    )
    left = session.scalars(select(PushSubscription.id).execution_options(populate_existing=True)).all()
    assert left == [theirs.id]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "http://127.0.0.1:8443/push/abc"}, "endpoint"),  # not https
        ({"endpoint": "https://10.0.0.1/push/abc"}, "endpoint"),  # a private address
        ({"endpoint": "https://127.0.0.1:8443/push/abc"}, "endpoint"),  # loopback (production's rule)
        ({"keys": {"p256dh": "AAAA"}}, "keys.p256dh"),  # not a point on P-256
        ({"keys": {"auth": "AAAA"}}, "keys.auth"),  # not 16 bytes
        ({"keys": "p256dh"}, "keys"),
        ({"endpoint": "https://127.0.0.1/\x00"}, "endpoint"),
    ],
)
def test_a_subscription_the_server_cannot_use_is_refused_on_its_field(
    app, client, world, monkeypatch, change, field
):
    if field.startswith("keys"):  # with an endpoint the server may call
        monkeypatch.setitem(app.config, "OUTBOUND_URLS_ALLOW_LOOPBACK", True)
    body = subscription_body(BrowserKeys()) | change
    if "keys" in change and isinstance(change["keys"], dict):
        body["keys"] = {**subscription_body(BrowserKeys())["keys"], **change["keys"]}
    response = client.post("/api/v1/me/push-subscriptions", json=body, headers=world.as_("owner"))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_the_reminder_and_digest_settings_are_part_of_the_profile(client, session, world):
    me = client.get("/api/v1/me", headers=world.as_("owner")).get_json()
    assert (me["reminder_minutes_before_close"], me["email_digest"]) == (None, False)
    changed = client.patch(
        "/api/v1/me",
        json={"reminder_minutes_before_close": 45, "email_digest": True},
        headers=world.as_("owner"),
    )
    assert changed.status_code == 200
    assert (changed.get_json()["reminder_minutes_before_close"], changed.get_json()["email_digest"]) == (
        45,
        True,
    )
    off = client.patch("/api/v1/me", json={"reminder_minutes_before_close": None}, headers=world.as_("owner"))
    assert off.get_json()["reminder_minutes_before_close"] is None
    stored = session.scalar(
        select(Member).where(Member.id == world.owner.id).execution_options(populate_existing=True)
    )
    assert (stored.reminder_minutes_before_close, stored.email_digest) == (None, True)


@pytest.mark.parametrize(
    "change",
    [
        {"reminder_minutes_before_close": 0},
        {"reminder_minutes_before_close": 1441},
        {"reminder_minutes_before_close": "30"},
        {"reminder_minutes_before_close": 30.0},
        {"email_digest": "yes"},
        {"email_digest": 1},
    ],
)
def test_the_settings_take_exactly_what_the_document_says(client, world, change):
    response = client.patch("/api/v1/me", json=change, headers=world.as_("owner"))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == set(change)


def test_the_new_writes_spend_their_named_limits(app, client, session, world, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_NOTIFICATIONS", "2/minute")
    monkeypatch.setitem(app.config, "RATELIMIT_PUSH_SUBSCRIPTIONS", "1/minute")
    read = [
        client.post(
            "/api/v1/me/notifications/read", json={"up_to_id": 1}, headers=world.as_("owner")
        ).status_code
        for _ in range(3)
    ]
    assert read == [200, 200, 429]
    device, _ = add_device(session, world.owner.id)
    removes = [
        client.delete(f"/api/v1/me/push-subscriptions/{device.id}", headers=world.as_("owner")).status_code
        for _ in range(2)
    ]
    assert removes == [204, 429]
    # per caller: another member's budget is their own
    other = client.post("/api/v1/me/notifications/read", json={"up_to_id": 1}, headers=world.as_("other"))
    assert other.status_code == 200
