"""Posting chat messages: written in the hook's format and language, sent to the address the
outbound-URL check approved.

Before each post the URL is checked again (``check_outbound_url``: a DNS answer may have moved to
a private network since it was saved) and the connection goes to one of the addresses that check
returned, with the name only for TLS (SNI, certificate) and ``Host``: what the resolver answers
afterwards is never followed. No redirects are followed.

What the chat answers decides what the relay does (``ChatFailed``): 2xx without a vendor refusal
in its body: sent; 429, 5xx, timeouts, unreachable hosts, a vendor refusal inside a 200: try again
after the backoff; any other 4xx, or a URL that no longer passes the check: failed for good.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from types import ModuleType
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import urllib3

from habits.models import ChatKind
from habits.notify.chat import dingtalk, discord, feishu, slack, telegram, wecom
from habits.notify.chat.message import write
from habits.notify.chat.target import Target
from habits.services.chat_hooks import chat_policy, url_kind
from habits.services.chat_relay import ChatFailed, OutgoingChat
from habits.services.outbound_urls import CheckedUrl, OutboundPolicy, OutboundUrlRefused, check_outbound_url

#: one module per chat's format: ``request(message, target) -> (url, body)``, ``refusal(answer)``
FORMATS: dict[str, ModuleType] = {
    ChatKind.WECOM: wecom,
    ChatKind.DINGTALK: dingtalk,
    ChatKind.FEISHU: feishu,
    ChatKind.SLACK: slack,
    ChatKind.DISCORD: discord,
    ChatKind.TELEGRAM: telegram,
}
#: seconds to connect, and to hear back
TIMEOUT = urllib3.Timeout(connect=5, read=10)
USER_AGENT = "Streakpot chat webhook"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def post_json(
    checked: CheckedUrl, body: dict, *, timeout=TIMEOUT, ca_certs: str | None = None
) -> tuple[int, bytes]:
    """POST ``body`` to the checked URL through one of its checked addresses (``ca_certs``: the
    certificates to trust instead of the system's, for tests)."""
    parts = urlsplit(checked.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default_port = 443 if parts.scheme == "https" else 80
    host_header = checked.host if checked.port == default_port else f"{checked.host}:{checked.port}"
    headers = {
        "Host": host_header,
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
    }
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    error: Exception | None = None
    for address in checked.addresses:
        address = address.split("%", 1)[0]
        if parts.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address,
                checked.port,
                server_hostname=checked.host,
                assert_hostname=checked.host,
                cert_reqs="CERT_REQUIRED",
                ca_certs=ca_certs,
                timeout=timeout,
                retries=False,
            )
        else:  # tests' local receiver only (outbound_urls allows http to loopback alone)
            pool = urllib3.HTTPConnectionPool(address, checked.port, timeout=timeout, retries=False)
        try:
            with pool:
                response = pool.urlopen(
                    "POST", path, body=data, headers=headers, redirect=False, retries=False
                )
                return response.status, response.data
        except urllib3.exceptions.HTTPError as exc:
            error = exc
    raise ChatFailed(f"could not reach {checked.host}: {error}")


def answer_of(data: bytes) -> dict:
    try:
        answer = json.loads(data.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return {}
    return answer if isinstance(answer, dict) else {}


class ChatWebhookTransport:
    def __init__(
        self, *, policy: OutboundPolicy, clock=lambda: datetime.now(UTC), ca_certs: str | None = None
    ):
        self.policy, self.clock, self.ca_certs = policy, clock, ca_certs

    @classmethod
    def from_config(cls, config: Mapping) -> ChatWebhookTransport:
        return cls(policy=chat_policy(config))

    def send_all(self, messages: Sequence[OutgoingChat]) -> dict[int, ChatFailed | None]:
        return {message.id: self.send(message) for message in messages}

    def send(self, message: OutgoingChat) -> ChatFailed | None:
        form = FORMATS.get(message.kind)
        if form is None:
            return ChatFailed(f"unknown chat kind {message.kind!r}", permanent=True)
        written = write(
            message.purpose, message.params, locale=message.locale, zone=_zone(message.params.get("zone"))
        )
        target = Target(
            url=message.url,
            chat_id=message.chat_id,
            secret=message.secret,
            locale=message.locale,
            now=self.clock(),
        )
        url, body = form.request(written, target)
        try:
            checked = check_outbound_url(url, kind=url_kind(message.kind), policy=self.policy)
        except OutboundUrlRefused as refused:
            codes = {error.code for errors in (refused.errors or {}).values() for error in errors}
            return ChatFailed(
                f"webhook URL refused: {refused.detail}", permanent=codes != {"url_host_unknown"}
            )
        try:
            status, data = post_json(checked, body, ca_certs=self.ca_certs)
        except ChatFailed as failure:
            return failure
        if status == 429 or status >= 500:
            return ChatFailed(f"the chat answered {status}")
        if status >= 300:
            return ChatFailed(f"the chat refused the post: {status} {data[:200]!r}", permanent=True)
        if reason := form.refusal(answer_of(data)):
            return ChatFailed(f"the chat refused the post: {reason}")
        return None
