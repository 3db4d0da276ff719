"""A wrong or missing setting stops start-up with a sentence that names it."""

import pytest

from app import create_app
from habits.config import ConfigError
from tests.conftest import test_settings


@pytest.fixture
def settings(database_url, tmp_path):
    return test_settings(database_url, tmp_path)


def test_stripe_mode_without_secret_key_names_the_missing_setting(settings):
    settings.update(PAYMENTS_MODE="stripe", STRIPE_SECRET_KEY=None)
    with pytest.raises(ConfigError, match="STREAKPOT_STRIPE_SECRET_KEY is missing: PAYMENTS_MODE=stripe"):
        create_app(settings)


def test_stripe_mode_without_webhook_secret_names_it(settings):
    settings.update(PAYMENTS_MODE="stripe", STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET=None)
    settings["STREAKPOT_ENV"] = "production"
    with pytest.raises(ConfigError, match="STREAKPOT_STRIPE_WEBHOOK_SECRET is missing"):
        create_app(settings)


def test_production_without_secret_key_refuses_to_start(settings):
    settings.update(STREAKPOT_ENV="production", SECRET_KEY=None)
    with pytest.raises(ConfigError, match="STREAKPOT_SECRET_KEY is missing"):
        create_app(settings)


def test_unknown_mode_is_named_with_its_choices(settings):
    settings.update(SCHEDULER_MODE="sometimes")
    with pytest.raises(ConfigError, match="STREAKPOT_SCHEDULER_MODE must be one of in-process, off"):
        create_app(settings)


def test_environment_variables_override_defaults(settings, monkeypatch):
    del settings["SCHEDULER_MODE"]
    monkeypatch.setenv("STREAKPOT_SCHEDULER_MODE", "off")
    monkeypatch.setenv("STREAKPOT_API_TOKEN_TTL_DAYS", "25")
    app = create_app(settings)
    assert app.config["SCHEDULER_MODE"] == "off"
    assert app.config["API_TOKEN_TTL_DAYS"] == 25


def test_streakpot_env_from_the_environment_means_production(settings, monkeypatch):
    del settings["STREAKPOT_ENV"]
    settings.update(SECRET_KEY=None)
    monkeypatch.setenv("STREAKPOT_ENV", "production")
    with pytest.raises(ConfigError, match="STREAKPOT_SECRET_KEY is missing"):
        create_app(settings)
    settings.update(SECRET_KEY="x" * 64, PUBLIC_URL="https://streakpot.example", STAGING=True)
    app = create_app(settings)
    assert app.config["STREAKPOT_ENV"] == "production" and "ENV" not in app.config
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_demo_generates_its_secrets_once_into_instance(settings, tmp_path):
    settings.update(STREAKPOT_ENV="demo", SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None)
    first = create_app(dict(settings)).config
    second = create_app(dict(settings)).config
    assert len(first["SECRET_KEY"]) == 64 and first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["STRIPE_WEBHOOK_SECRET"].startswith("whsec_")
    assert (tmp_path / "secret_key").read_text().strip() == first["SECRET_KEY"]


def test_start_up_failure_from_the_command_line_is_one_clear_sentence(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, STREAKPOT_PAYMENTS_MODE="stripe", STREAKPOT_SQLALCHEMY_DATABASE_URI="sqlite://")
    env.pop("STREAKPOT_STRIPE_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "routes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "STREAKPOT_STRIPE_SECRET_KEY is missing: PAYMENTS_MODE=stripe needs it." in result.stderr


def test_the_app_starts_and_serves_with_rate_limits_switched_off(settings):
    """RATELIMIT_ENABLED=false leaves Flask-Limiter without its hooks; start-up must not need them."""
    from habits.extensions import limiter

    enabled = limiter.enabled
    settings.update(RATELIMIT_ENABLED=False)
    try:
        app = create_app(settings)
        assert app.test_client().get("/api/v1/openapi.json").status_code == 200
    finally:
        limiter.enabled = enabled  # the limiter object is shared by every app of the test run


def test_production_refuses_offline_payments_naming_the_staging_setting(settings):
    settings.update(STREAKPOT_ENV="production", PAYMENTS_MODE="offline")
    with pytest.raises(ConfigError) as refused:
        create_app(settings)
    sentence = str(refused.value)
    assert "STREAKPOT_PAYMENTS_MODE is offline" in sentence and "STREAKPOT_STAGING=true" in sentence
    assert sentence.count(". ") == 0 and sentence.endswith(".")  # one sentence


def test_a_staging_server_may_run_production_with_offline_payments(settings, monkeypatch):
    settings.update(STREAKPOT_ENV="production", PAYMENTS_MODE="offline")
    monkeypatch.setenv("STREAKPOT_STAGING", "true")
    assert create_app(settings).config["STAGING"] is True


def test_staging_must_be_true_or_false(settings):
    settings.update(STAGING="yes please")
    with pytest.raises(ConfigError, match="STREAKPOT_STAGING must be true or false"):
        create_app(settings)


def test_production_cookies_are_secure_http_only_and_same_site_lax(settings):
    settings.update(STREAKPOT_ENV="production", STAGING=True)
    app = create_app(settings)
    for prefix in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        assert app.config[f"{prefix}_SECURE"] is True
        assert app.config[f"{prefix}_HTTPONLY"] is True
        assert app.config[f"{prefix}_SAMESITE"] == "Lax"
    page = app.test_client().get("/login", base_url="https://streakpot.example")
    (session_cookie,) = [c for c in page.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_cookies_are_not_secure_outside_production(settings):
    app = create_app(settings)
    assert app.config["SESSION_COOKIE_SECURE"] is False and app.config["REMEMBER_COOKIE_SECURE"] is False


def test_production_refuses_cookies_that_are_not_secure(settings):
    settings.update(STREAKPOT_ENV="production", STAGING=True, REMEMBER_COOKIE_SECURE=False)
    with pytest.raises(ConfigError, match="STREAKPOT_REMEMBER_COOKIE_SECURE is false"):
        create_app(settings)


def test_a_blank_metrics_token_in_the_environment_file_means_no_metrics(settings, monkeypatch):
    # deploy/streakpot.env.example leaves it blank: start-up goes on, /metrics is a 404
    monkeypatch.setenv("STREAKPOT_METRICS_TOKEN", "")
    app = create_app(settings)
    assert app.test_client().get("/metrics").status_code == 404


def test_a_short_metrics_token_is_refused(settings, monkeypatch):
    monkeypatch.setenv("STREAKPOT_METRICS_TOKEN", "short")
    with pytest.raises(ConfigError, match="STREAKPOT_METRICS_TOKEN must be a random string"):
        create_app(settings)
