"""What a format needs to address one post: the hook's URL and extras, and the instant (signing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Target:
    url: str
    chat_id: str | None = None
    secret: str | None = None
    #: the language the message is written in (Feishu names it in the post)
    locale: str = "en"
    now: datetime | None = None


def markdown_escaped(text: str, specials: str = "\\`*_[]<>#~|") -> str:
    """``text`` with the characters a chat's markdown reads as markup escaped (a member's name
    must not become a link or a heading)."""
    return "".join("\\" + char if char in specials else char for char in text)


def errcode_refusal(answer: dict) -> str | None:
    """WeCom's and DingTalk's refusal inside a 200 answer: ``{"errcode": n, "errmsg": ...}``."""
    code = answer.get("errcode", 0)
    return None if code in (0, None) else f"errcode {code}: {answer.get('errmsg', '')}"
