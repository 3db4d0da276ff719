"""Slack incoming webhook: ``{"text": fallback, "blocks": [header, section]}``.

https://api.slack.com/messaging/webhooks - mrkdwn escapes only ``&``, ``<`` and ``>`` (so a
member's name cannot become a link or an @channel); refusals are 4xx with a plain-text reason.
"""

from __future__ import annotations

from habits.notify.chat.message import Message
from habits.notify.chat.target import Target

#: a section's text is at most 3000 characters, a header's 150
MAX_SECTION = 3000
MAX_HEADER = 150


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def request(message: Message, target: Target) -> tuple[str, dict]:
    body = escaped("\n".join(message.lines))[:MAX_SECTION] or " "
    return target.url, {
        "text": escaped(message.title),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": message.title[:MAX_HEADER]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": body}},
        ],
    }


def refusal(answer: dict) -> str | None:
    return None
