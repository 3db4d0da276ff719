"""The service worker's push handler (static/sw-push.js) in Debian's chromium: a push delivered
through the DevTools protocol (``ServiceWorker.deliverPushMessage``: chromium cannot subscribe to
a vendor push service on this network) is shown as a notification with the payload's title and
body, in the language the server wrote it in, and carries the page a tap opens."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser

REGISTER = """async () => {
  const registration = await navigator.serviceWorker.register("/static/sw-push.js");
  const worker = registration.installing || registration.waiting || registration.active;
  if (worker.state !== "activated") {
    await new Promise((done) => worker.addEventListener("statechange", () => {
      if (worker.state === "activated") done();
    }));
  }
  return registration.scope;
}"""

SHOWN = """async () => {
  const registration = await navigator.serviceWorker.getRegistration("/static/");
  const shown = await registration.getNotifications();
  return shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data}));
}"""


def test_a_push_is_shown_with_its_title_and_body_and_leads_to_the_check_in(phone, live_server):
    page = phone()
    page.goto("/login")
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    assert page.evaluate(REGISTER).endswith("/static/")
    devtools = page.context.new_cdp_session(page)
    registrations = []
    devtools.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    devtools.send("ServiceWorker.enable")
    ours = []
    for _ in range(50):  # each round trip lets the protocol's pending events in
        ours = list(
            {
                r["registrationId"]: r
                for r in registrations
                if r["scopeURL"].endswith("/static/") and not r["isDeleted"]
            }.values()
        )
        if ours:
            break
        page.evaluate("1")
    (registration,) = ours
    message = {
        "title": "该打卡了",
        "body": "“早起”第 3 天的打卡时间将在 07:00 截止。",
        "url": "/checkin",
        "tag": "streakpot-7",
        "kind": "reminder",
        "id": 7,
    }
    devtools.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": registration["registrationId"],
            "data": json.dumps(message, ensure_ascii=False),
        },
    )
    page.wait_for_function(
        """async () => {
          const registration = await navigator.serviceWorker.getRegistration("/static/");
          return (await registration.getNotifications()).length > 0;
        }""",
        polling=100,
    )
    assert page.evaluate(SHOWN) == [
        {
            "title": message["title"],
            "body": message["body"],
            "tag": "streakpot-7",
            "data": {"url": "/checkin"},
        }
    ]
