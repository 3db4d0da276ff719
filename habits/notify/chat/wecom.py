"""WeCom (企业微信) group robot: ``{"msgtype": "markdown", "markdown": {"content": ...}}``.

https://developer.work.weixin.qq.com/document/path/91770 - the content is at most 4096 bytes;
a refusal comes as a 200 with a non-zero ``errcode``.
"""

from __future__ import annotations

from habits.notify.chat.message import Message
from habits.notify.chat.target import Target, errcode_refusal, markdown_escaped

MAX_BYTES = 4096


def request(message: Message, target: Target) -> tuple[str, dict]:
    lines = [f"**{markdown_escaped(message.title)}**", *(markdown_escaped(line) for line in message.lines)]
    content = "\n".join(lines)
    while len(content.encode("utf-8")) > MAX_BYTES:
        content = content[: len(content) - 64]
    return target.url, {"msgtype": "markdown", "markdown": {"content": content}}


refusal = errcode_refusal
