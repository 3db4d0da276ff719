"""Chat tests: the API tests' small world, a local chat receiver, and loopback allowed."""

from __future__ import annotations

import pytest

from tests.api.conftest import world  # noqa: F401  (the fixture, shared)
from tests.chat.receiver import ChatReceiver


@pytest.fixture
def receiver(app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_URLS_ALLOW_LOOPBACK", True)
    with ChatReceiver() as running:
        yield running
