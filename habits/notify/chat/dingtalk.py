"""DingTalk custom robot: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``.

https://open.dingtalk.com/document/robots/custom-robot-access - a robot with a signing secret
("加签") takes ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(secret, "timestamp\\nsecret"))
in the query; a refusal comes as a 200 with a non-zero ``errcode``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

from habits.notify.chat.message import Message
from habits.notify.chat.target import Target, errcode_refusal, markdown_escaped


def sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def request(message: Message, target: Target) -> tuple[str, dict]:
    text = "\n\n".join(
        [f"### {markdown_escaped(message.title)}", *(markdown_escaped(line) for line in message.lines)]
    )
    url = target.url
    if target.secret and target.now is not None:
        timestamp = int(target.now.timestamp() * 1000)
        joiner = "&" if "?" in url else "?"
        url = f"{url}{joiner}timestamp={timestamp}&sign={quote(sign(target.secret, timestamp), safe='')}"
    return url, {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}


refusal = errcode_refusal
