"""Notification tests share the API tests' small world (a community, its organizers, two members
with active enrollments, tokens), the mail tests' SMTP server, and the app's payment gateway."""

from __future__ import annotations

import pytest

from habits.payments import EXTENSION_KEY
from tests.api.conftest import world  # noqa: F401  (the fixture, shared)
from tests.mail.conftest import mail_settings, smtp_server  # noqa: F401  (the test mail server)


@pytest.fixture
def gateway(app):
    return app.extensions[EXTENSION_KEY]
