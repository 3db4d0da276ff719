"""'Enable notifications on this device' on the account page, in English and Chinese at 390 px.
Chromium here cannot reach a push service, so ``PushManager.prototype.subscribe`` (and
``getSubscription``) are stubbed before the page's scripts run: they answer a subscription with
this test's own keys, and the page must ask with the server's VAPID key. Turning on stores it on
the server; the page then says so after a reload; turning off removes it there."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from habits.extensions import db
from habits.models import Member, PushSubscription
from tests.browser.presence_helpers import (
    LANGUAGES,
    checked_in_world,
    set_member,
    signed_in_phone,
    small_targets,
)
from tests.browser.test_flows import A11y
from tests.notifications.helpers import BrowserKeys

pytestmark = pytest.mark.browser

#: a browser's pushManager, minus the push service: the subscription kept in localStorage
PUSH_STUB = """
(() => {
  const KEY = "streakpot-stub-subscription";
  const made = (json) => ({
    endpoint: json.endpoint, expirationTime: null, options: {userVisibleOnly: true},
    toJSON: () => json,
    unsubscribe: () => { localStorage.removeItem(KEY); return Promise.resolve(true); },
  });
  PushManager.prototype.subscribe = function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    localStorage.setItem("streakpot-stub-asked", JSON.stringify({
      userVisibleOnly: options.userVisibleOnly, keyLength: key.length, first: key[0]}));
    localStorage.setItem(KEY, JSON.stringify(SUBSCRIPTION));
    return Promise.resolve(made(SUBSCRIPTION));
  };
  PushManager.prototype.getSubscription = function () {
    const kept = localStorage.getItem(KEY);
    return Promise.resolve(kept ? made(JSON.parse(kept)) : null);
  };
})();
"""

SAYS = "(words) => document.getElementById('push-state').textContent === words"

WORDS = {
    "en": ("Notifications are on for this device.", "Notifications are off for this device."),
    "zh_Hans": ("本设备的通知已开启。", "本设备的通知已关闭。"),
}


@pytest.fixture
def loopback_push(live_server):
    """The stub's endpoint is on this machine: allowed as in the push tests."""
    config = live_server.app.config
    before = config.get("OUTBOUND_URLS_ALLOW_LOOPBACK")
    config["OUTBOUND_URLS_ALLOW_LOOPBACK"] = True
    yield
    config["OUTBOUND_URLS_ALLOW_LOOPBACK"] = before


def _devices(live_server, email: str) -> list[tuple[str, str, str]]:
    with live_server.app.app_context():
        member_id = db.session.scalar(select(Member.id).where(Member.email == email))
        rows = db.session.execute(
            select(PushSubscription.endpoint, PushSubscription.p256dh, PushSubscription.auth).where(
                PushSubscription.member_id == member_id
            )
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_enable_stores_this_devices_subscription_and_turn_off_removes_it(
    live_server, phone, language, loopback_push
):
    world, _ = checked_in_world(live_server)
    email = world.organizer_email
    set_member(live_server, email, locale=language)
    keys = BrowserKeys()
    endpoint = f"https://127.0.0.1:9/push/browser-{world.challenge_id}"
    subscription = {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
    }
    on_words, off_words = WORDS[language]
    a11y = A11y()
    page = signed_in_phone(phone, email, language, 390)
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.context.add_init_script(PUSH_STUB.replace("SUBSCRIPTION", json.dumps(subscription)))

    page.goto("/account")
    state = page.locator("#push-state")
    turn_on = page.locator("#push-on")
    turn_on.wait_for()
    assert state.inner_text() == off_words and page.locator("#push-off").is_hidden()
    a11y.check(page, f"account, push off ({language})")
    assert small_targets(page) == []
    turn_on.tap()
    page.wait_for_function(SAYS, arg=on_words)
    assert _devices(live_server, email) == [(endpoint, keys.p256dh, keys.auth)]
    asked = json.loads(page.evaluate("localStorage.getItem('streakpot-stub-asked')"))
    assert asked == {"userVisibleOnly": True, "keyLength": 65, "first": 4}  # an uncompressed P-256 point

    page.reload()
    page.locator("#push-off").wait_for()
    assert state.inner_text() == on_words and turn_on.is_hidden()
    a11y.check(page, f"account, push on ({language})")
    assert small_targets(page) == []
    page.locator("#push-off").tap()
    page.wait_for_function(SAYS, arg=off_words)
    assert _devices(live_server, email) == []
    assert page.evaluate("localStorage.getItem('streakpot-stub-subscription')") is None
    a11y.assert_clean()
