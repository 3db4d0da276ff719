"""The server's Web Push key: generated once into instance/ outside production, like the demo's
other secrets; required in production, and checked to be a key, with a sentence naming it."""

from __future__ import annotations

import pytest

from app import create_app
from habits import vapid_keys as vapid
from habits.config import ConfigError
from habits.notify.webpush import vapid_subject
from tests.conftest import test_settings


@pytest.fixture
def settings(database_url, tmp_path):
    return test_settings(database_url, tmp_path)


def test_the_demo_generates_its_key_once_into_instance(settings, tmp_path):
    settings.update(STREAKPOT_ENV="demo", VAPID_PRIVATE_KEY=None)
    first = create_app(dict(settings)).config["VAPID_PRIVATE_KEY"]
    second = create_app(dict(settings)).config["VAPID_PRIVATE_KEY"]
    assert first == second == (tmp_path / "vapid_private_key").read_text().strip()
    assert (tmp_path / "vapid_private_key").stat().st_mode & 0o777 == 0o600
    assert len(vapid.public_key(first)) == 87  # 65 bytes, base64url


def test_production_without_the_key_refuses_to_start(settings):
    settings.update(STREAKPOT_ENV="production", STAGING=True, VAPID_PRIVATE_KEY=None)
    with pytest.raises(ConfigError, match="STREAKPOT_VAPID_PRIVATE_KEY is missing"):
        create_app(settings)


@pytest.mark.parametrize("key", ["not-a-key", "AAAA", "x" * 60])
def test_a_key_that_is_not_one_is_named(settings, key):
    settings.update(VAPID_PRIVATE_KEY=key)
    with pytest.raises(ConfigError, match="STREAKPOT_VAPID_PRIVATE_KEY is not a VAPID private key"):
        create_app(settings)


def test_the_subject_is_a_contact_push_services_accept(settings):
    settings.update(VAPID_SUBJECT="ops@streakpot.example")
    with pytest.raises(ConfigError, match="STREAKPOT_VAPID_SUBJECT must start with mailto: or https://"):
        create_app(settings)
    assert vapid_subject({"VAPID_SUBJECT": "mailto:ops@streakpot.example"}) == "mailto:ops@streakpot.example"
    assert vapid_subject({"PUBLIC_URL": "https://streakpot.example"}) == "https://streakpot.example"
    assert (
        vapid_subject({"MAIL_FROM": "Streakpot <no-reply@streakpot.example>"})
        == "mailto:no-reply@streakpot.example"
    )
