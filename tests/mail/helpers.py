"""Helpers of the mail tests: the test mail server's inbox, running the relay, reading links."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from habits import scheduler


class Inbox:
    """What the test mail server received; ``answer`` (e.g. ``"451 4.3.0 Try later"``) refuses
    every message's DATA with it instead."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.answer: str | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.answer:
            return self.answer
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def smtp_settings(port: int) -> dict:
    """The app's settings to send through the test server (plain SMTP: aiosmtpd offers no STARTTLS)."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_FROM": "Streakpot <no-reply@streakpot.test>",
        "MAIL_TIMEOUT": 5,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def deliver(app) -> dict:
    """Run the scheduler's relay job once, as the scheduler would."""
    return scheduler.run_mail_relay(app)


def body_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message: EmailMessage, path: str) -> str:
    """The path (``/password-reset/<token>``...) of the link in a mail's text."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}/[A-Za-z0-9_\-.]+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)
