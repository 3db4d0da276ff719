"""Telegram bot: ``sendMessage`` with ``{"chat_id", "text"}``.

https://core.telegram.org/bots/api#sendmessage - the hook's URL is the bot's API base with its
token (``https://api.telegram.org/bot<token>``); ``/sendMessage`` is added here. Plain text (no
``parse_mode``), so nothing in a name is read as markup; at most 4096 characters; a refusal
comes as ``{"ok": false, "description": ...}``.
"""

from __future__ import annotations

from habits.notify.chat.message import Message
from habits.notify.chat.target import Target

MAX_CHARS = 4096
METHOD = "/sendMessage"


def method_url(base: str) -> str:
    base = base.rstrip("/")
    return base if base.endswith(METHOD) else base + METHOD


def request(message: Message, target: Target) -> tuple[str, dict]:
    return method_url(target.url), {
        "chat_id": target.chat_id,
        "text": message.text[:MAX_CHARS],
        "disable_web_page_preview": True,
    }


def refusal(answer: dict) -> str | None:
    return (
        None
        if answer.get("ok", True)
        else f"{answer.get('error_code', '')} {answer.get('description', '')}".strip()
    )
