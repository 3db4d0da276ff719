"""Payouts fixtures: the app's (offline) gateway, and a member with winnings to pay out."""

from __future__ import annotations

import pytest

from habits.payments import EXTENSION_KEY
from tests.payouts.helpers import Money, winnings


@pytest.fixture
def gateway(app):
    return app.extensions[EXTENSION_KEY]


@pytest.fixture
def money(session, client, gateway) -> Money:
    return winnings(session, client, gateway)
