"""Web Push on this device from the account page: the page's endpoints store the browser's
subscription (CSRF-protected, refused with a 422 the script can show for an endpoint or keys
no browser makes) and forget it by its endpoint; the page offers the control."""

from __future__ import annotations

import pytest

from habits.models import PushSubscription
from tests.factories import make_member
from tests.notifications.helpers import BrowserKeys
from tests.web.helpers import csrf_token, log_in

ENDPOINT = "https://127.0.0.1:9/push/this-phone"


@pytest.fixture
def loopback_push(app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_URLS_ALLOW_LOOPBACK", True)


def test_the_account_page_offers_the_control(client, world):
    log_in(client, world.member)
    page = client.get("/account").get_data(as_text=True)
    assert 'id="push-on"' in page and "Enable notifications on this device" in page
    assert 'data-on-url="/account/push"' in page and "push-device.js" in page


def test_a_device_is_stored_then_forgotten_by_its_endpoint(client, session, world, loopback_push):
    keys = BrowserKeys()
    log_in(client, world.member)
    token = csrf_token(client.get("/account").data)
    body = {"csrf_token": token, "endpoint": ENDPOINT, "p256dh": keys.p256dh, "auth": keys.auth}
    stored = client.post("/account/push", data=body, headers={"Accept": "application/json"})
    assert stored.status_code == 201
    device = session.get(PushSubscription, stored.get_json()["id"])
    assert (device.member_id, device.endpoint, device.p256dh) == (world.member.id, ENDPOINT, keys.p256dh)
    # the same browser again: still one device
    assert client.post("/account/push", data=body).status_code == 201
    assert session.query(PushSubscription).count() == 1

    # someone else's endpoint is not theirs to forget
    other = make_member(session)
    session.add(
        PushSubscription(
            member_id=other.id,
            endpoint=ENDPOINT + "-other",
            p256dh=keys.p256dh,
            auth=keys.auth,
            created_at=device.created_at,
        )
    )
    session.commit()
    gone = client.post("/account/push/off", data={"csrf_token": token, "endpoint": ENDPOINT + "-other"})
    assert gone.status_code == 204
    off = client.post("/account/push/off", data={"csrf_token": token, "endpoint": ENDPOINT})
    assert off.status_code == 204
    assert [d.endpoint for d in session.query(PushSubscription).all()] == [ENDPOINT + "-other"]


def test_bad_subscriptions_and_missing_tokens_are_refused(client, session, world, loopback_push):
    keys = BrowserKeys()
    log_in(client, world.member)
    token = csrf_token(client.get("/account").data)
    for endpoint, p256dh, auth in [
        ("http://push.example.com/x", keys.p256dh, keys.auth),  # not https
        (ENDPOINT, "not-a-key", keys.auth),
        (ENDPOINT, keys.p256dh, "short"),
        ("", keys.p256dh, keys.auth),
        (ENDPOINT + "x" * 3000, keys.p256dh, keys.auth),
    ]:
        refused = client.post(
            "/account/push",
            data={"csrf_token": token, "endpoint": endpoint, "p256dh": p256dh, "auth": auth},
            headers={"Accept": "application/json"},
        )
        assert refused.status_code == 422, endpoint
        assert refused.get_json()["message"]
    no_token = client.post(
        "/account/push", data={"endpoint": ENDPOINT, "p256dh": keys.p256dh, "auth": keys.auth}
    )
    assert no_token.status_code == 400
    assert session.query(PushSubscription).count() == 0
