"""Discord channel webhook: ``{"content": ..., "allowed_mentions": {"parse": []}}``.

https://discord.com/developers/docs/resources/webhook#execute-webhook - content is at most 2000
characters; no mention in a member's name pings anyone (``allowed_mentions``).
"""

from __future__ import annotations

from habits.notify.chat.message import Message
from habits.notify.chat.target import Target, markdown_escaped

MAX_CHARS = 2000


def request(message: Message, target: Target) -> tuple[str, dict]:
    content = "\n".join(
        [f"**{markdown_escaped(message.title)}**", *(markdown_escaped(line) for line in message.lines)]
    )
    return target.url, {"content": content[:MAX_CHARS], "allowed_mentions": {"parse": []}}


def refusal(answer: dict) -> str | None:
    return None
