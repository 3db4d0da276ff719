"""Feishu / Lark custom bot: ``{"msg_type": "post", "content": {"post": {lang: {title, content}}}}``.

https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot - rich text as rows of
``{"tag": "text"}`` elements (no markup to escape); a refusal comes as a 200 with a non-zero ``code``.
"""

from __future__ import annotations

from habits.notify.chat.message import Message
from habits.notify.chat.target import Target


def request(message: Message, target: Target) -> tuple[str, dict]:
    language = "zh_cn" if target.locale.startswith("zh") else "en_us"
    rows = [[{"tag": "text", "text": line}] for line in message.lines]
    return target.url, {
        "msg_type": "post",
        "content": {"post": {language: {"title": message.title, "content": rows}}},
    }


def refusal(answer: dict) -> str | None:
    code = answer.get("code", answer.get("StatusCode", 0))
    return None if code in (0, None) else f"code {code}: {answer.get('msg', answer.get('StatusMessage', ''))}"
