"""Mail tests receive mail on a real SMTP server (aiosmtpd) on 127.0.0.1 and a free port."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from tests.mail.helpers import Inbox, free_port, smtp_settings


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def mail_settings(app, smtp_server, monkeypatch) -> dict:
    """The app sends through the test server (plain SMTP: aiosmtpd offers no STARTTLS here)."""
    settings = smtp_settings(smtp_server.port)
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    return settings
