"""Web Push (RFC 8030/8291/8292) through pywebpush: the push relay's transport.

Each push is written in its recipient's language and zone (``render``) as a small JSON payload
the service worker shows (static/sw-push.js: ``title``, ``body``, ``url``, ``tag``), encrypted
for the browser's keys (aes128gcm) and signed with the server's VAPID key. Payloads are written
in the calling thread (it has the app context Babel needs); the HTTP requests then go out a few
at a time, since each waits on a push service across the internet.

What the push service answers decides what the relay does (``PushFailed``):

- 201/202: sent;
- 404/410: the subscription is gone (the browser unsubscribed, or it expired): remove the device;
- 429 and 5xx, timeouts, unreachable hosts: try again after the backoff;
- any other 4xx (a payload or VAPID header it will never take): failed for good.

The endpoint is checked as an outbound URL again before each push (an address a DNS answer moved
to a private network is refused, and the device removed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from email.utils import parseaddr

import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from habits.notify.render import render
from habits.services.notifications.push_relay import OutgoingPush, PushFailed
from habits.services.notifications.subscriptions import URL_KIND, push_policy
from habits.services.outbound_urls import OutboundPolicy, OutboundUrlRefused, check_outbound_url

#: where a tap on the notification leads (the service worker opens it)
OPEN_URL = "/checkin"
#: how long a push service keeps a push for a browser that is offline (seconds)
TTL = 12 * 3600
#: pushes in flight at once
WORKERS = 8
#: seconds to connect to and hear from a push service
TIMEOUT = 10


def payload(push: OutgoingPush) -> bytes:
    """What the service worker receives, in the recipient's language and zone."""
    text = render(push.kind, push.params, locale=push.locale, timezone=push.timezone)
    message = {
        "title": text.title,
        "body": text.body,
        "url": OPEN_URL,
        "tag": f"streakpot-{push.notification_id}",
        "kind": push.kind,
        "id": push.notification_id,
    }
    return json.dumps(message, ensure_ascii=False).encode("utf-8")


def vapid_subject(config: Mapping) -> str:
    """Who push services may contact about our pushes: the setting, the site, else the sender."""
    if config.get("VAPID_SUBJECT"):
        return config["VAPID_SUBJECT"]
    if config.get("PUBLIC_URL", "") and str(config["PUBLIC_URL"]).startswith("https://"):
        return str(config["PUBLIC_URL"])
    address = parseaddr(config.get("MAIL_FROM") or "")[1] or "no-reply@localhost"
    return f"mailto:{address}"


class WebPushTransport:
    def __init__(
        self,
        *,
        vapid_private_key: str,
        subject: str,
        policy: OutboundPolicy,
        timeout: float = TIMEOUT,
        workers: int = WORKERS,
        ttl: int = TTL,
    ):
        self.vapid = Vapid.from_string(vapid_private_key)
        self.subject, self.policy = subject, policy
        self.timeout, self.workers, self.ttl = timeout, workers, ttl

    @classmethod
    def from_config(cls, config: Mapping) -> WebPushTransport:
        return cls(
            vapid_private_key=config["VAPID_PRIVATE_KEY"],
            subject=vapid_subject(config),
            policy=push_policy(config),
        )

    def send_all(self, pushes: Sequence[OutgoingPush]) -> dict[int, PushFailed | None]:
        written = [(push, payload(push)) for push in pushes]
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(written)))) as pool:
            outcomes = pool.map(lambda item: self.send(*item), written)
            return {push.id: outcome for (push, _), outcome in zip(written, outcomes, strict=True)}

    def send(self, push: OutgoingPush, data: bytes) -> PushFailed | None:
        """Send one push; None when the push service took it, else why not."""
        try:
            check_outbound_url(push.endpoint, kind=URL_KIND, policy=self.policy, field="endpoint")
        except OutboundUrlRefused as refused:
            codes = {error.code for errors in (refused.errors or {}).values() for error in errors}
            if codes == {"url_host_unknown"}:  # DNS may answer again later
                return PushFailed(f"push service unreachable: {refused.detail}")
            return PushFailed(f"push endpoint refused: {refused.detail}", gone=True)
        try:
            webpush(
                subscription_info={
                    "endpoint": push.endpoint,
                    "keys": {"p256dh": push.p256dh, "auth": push.auth},
                },
                data=data,
                vapid_private_key=self.vapid,
                vapid_claims={"sub": self.subject},
                ttl=self.ttl,
                timeout=self.timeout,
                headers={"Urgency": "high" if push.kind == "reminder" else "normal"},
            )
        except WebPushException as exc:
            return _failure(exc.response.status_code if exc.response is not None else None, str(exc))
        except requests.RequestException as exc:
            return PushFailed(f"{type(exc).__name__}: {exc}")
        except (ValueError, TypeError) as exc:  # keys no encryption can use
            return PushFailed(f"cannot encrypt for this subscription: {exc}", permanent=True)
        return None


def _failure(status: int | None, reason: str) -> PushFailed:
    if status in (404, 410):
        return PushFailed(reason, gone=True)
    if status is None or status == 429 or status >= 500:
        return PushFailed(reason)
    return PushFailed(reason, permanent=True)
