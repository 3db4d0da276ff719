"""Mail settings that cannot work stop start-up with a sentence naming them."""

from __future__ import annotations

import pytest

from app import create_app
from habits.config import ConfigError
from habits.mail.transports import LogTransport, SmtpTransport, transport_for
from tests.conftest import test_settings


@pytest.fixture
def settings(database_url, tmp_path):
    return test_settings(database_url, tmp_path)


def test_starttls_and_implicit_tls_together_are_refused(settings):
    settings.update(MAIL_USE_TLS=True, MAIL_USE_SSL=True)
    with pytest.raises(ConfigError, match="STREAKPOT_MAIL_USE_TLS and STREAKPOT_MAIL_USE_SSL are both true"):
        create_app(settings)


def test_production_sending_mail_needs_the_sites_address(settings):
    settings.update(STREAKPOT_ENV="production", STAGING=True, MAIL_SERVER="smtp.example.com")
    with pytest.raises(ConfigError, match="STREAKPOT_PUBLIC_URL is missing"):
        create_app(settings)
    settings.update(PUBLIC_URL="https://streakpot.example")
    assert isinstance(transport_for(create_app(settings).config), SmtpTransport)


@pytest.mark.parametrize(("name", "value"), [("MAIL_PORT", "587x"), ("PUBLIC_URL", "streakpot.example")])
def test_a_malformed_mail_setting_is_named(settings, name, value):
    settings.update(MAIL_SERVER="smtp.example.com", **{name: value})
    with pytest.raises(ConfigError, match=f"STREAKPOT_{name} must"):
        create_app(settings)


def test_without_a_mail_server_mail_goes_to_the_log(settings):
    assert isinstance(transport_for(create_app(settings).config), LogTransport)
