"""Settings: demo-ready defaults, then instance/config.py, then STREAKPOT_* variables, then overrides.

Every setting can come from the environment as ``STREAKPOT_<NAME>`` (values are parsed as JSON
when they can be, so ``STREAKPOT_TESTING=true`` is a bool). A setting that production needs and
is missing stops start-up with a sentence naming it (``validate_config``).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from habits.notify import vapid


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names it and says how to fix it."""


class Config:
    #: "demo" (default: generates what it lacks), "production" (requires every secret), "test"
    STREAKPOT_ENV = "demo"
    #: a relative SQLite path lands in instance/ (Flask-SQLAlchemy resolves it there)
    SQLALCHEMY_DATABASE_URI = "sqlite:///streakpot.db"
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SECRET_KEY: str | None = None
    PAYMENTS_MODE = "offline"  # "offline" | "stripe"
    STRIPE_SECRET_KEY: str | None = None
    STRIPE_WEBHOOK_SECRET: str | None = None
    STRIPE_API_BASE: str | None = None  # localstripe in tests
    SCHEDULER_MODE = "in-process"  # "in-process" | "off" (then run `flask scheduler run`)
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    # each named limit is RATELIMIT_<NAME> too, e.g. RATELIMIT_MONEY (habits/ratelimits.py)
    #: reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none)
    PROXY_COUNT = 0
    #: URLs an organizer makes the server call (habits/services/outbound_urls.py): in production
    #: their host must be listed here under the URL's kind, e.g. {"chat_webhook": ["hooks.slack.com"]}
    OUTBOUND_URL_HOSTS: dict[str, list[str]] = {}
    #: tests only (STREAKPOT_ENV=test): outbound URLs may point at this machine's loopback
    OUTBOUND_URLS_ALLOW_LOOPBACK = False
    #: request bodies above this are refused with 413 (photos are the largest thing we take)
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    PHOTO_MAX_BYTES = 5 * 1024 * 1024
    API_TOKEN_TTL_DAYS = 30
    LOG_LEVEL = "INFO"
    LOG_FORMAT = "json"  # "json" | "text"
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    #: a staging server: production settings, yet offline payments allowed (the demo's test card)
    STAGING = False
    # Both cookies that sign a browser in (Flask's session, Flask-Login's "keep me signed in"):
    # never readable by scripts, not sent on other sites' sub-requests or form posts, and over
    # HTTPS only in production (``None``: decided by STREAKPOT_ENV at start-up).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE: bool | None = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE: bool | None = None
    #: how long "keep me signed in" lasts, in seconds: the remember cookie and the server's
    #: record of the sign-in (habits.services.web_sessions) both end then
    REMEMBER_COOKIE_DURATION = 365 * 24 * 3600
    #: what pages may also load, directive -> sources, e.g. {"img-src": ["https://photos.example.com"]}
    #: for photos served from an object store (habits.security_headers holds the policy)
    CSP_EXTRA_SOURCES: dict[str, list[str]] = {}
    # E-mail (habits/mail): sent through this SMTP server by the scheduler's relay; without
    # MAIL_SERVER every mail is written to the log instead (the demo shows it at /dev/mail).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    #: STARTTLS on a plain connection (port 587); MAIL_USE_SSL: implicit TLS (port 465)
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_FROM = "Streakpot <no-reply@localhost>"
    #: seconds for each exchange with the mail server
    MAIL_TIMEOUT = 20
    #: the site's address as members reach it (https://streakpot.example), for links in mail;
    #: required in production once MAIL_SERVER is set (never taken from a request's Host header)
    PUBLIC_URL: str | None = None
    # Web Push (habits/notify): the server's VAPID private key, base64url of 32 bytes, required in
    # production (`python -m habits.notify.vapid` prints a new one; the demo generates its own
    # into instance/), and the contact push services may write to (mailto: or https:; default:
    # PUBLIC_URL, else the MAIL_FROM address). Push endpoints are outbound URLs: in production
    # their hosts are OUTBOUND_URL_HOSTS["web_push"], by default the browsers' push services.
    VAPID_PRIVATE_KEY: str | None = None
    VAPID_SUBJECT: str | None = None
    # flask-smorest: the OpenAPI document lives at /api/v1/openapi.json
    API_TITLE = "Streakpot"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


ALLOWED = {
    "STREAKPOT_ENV": {"demo", "production", "test"},
    "PAYMENTS_MODE": {"offline", "stripe"},
    "SCHEDULER_MODE": {"in-process", "off"},
}


def _instance_secret(instance_path: str, name: str, make) -> str:
    """Read a generated secret from instance/, creating it once (never committed: instance/ is ignored)."""
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def fill_demo_secrets(config: dict, instance_path: str) -> None:
    """Outside production, generate the secrets the demo needs into instance/ once."""
    if config["STREAKPOT_ENV"] == "production":
        return
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(instance_path, "secret_key", lambda: secrets.token_hex(32))
    if not config.get("VAPID_PRIVATE_KEY"):
        key = _instance_secret(instance_path, "vapid_private_key", vapid.new_private_key)
        config["VAPID_PRIVATE_KEY"] = key
    if config["PAYMENTS_MODE"] == "offline" and not config.get("STRIPE_WEBHOOK_SECRET"):
        config["STRIPE_WEBHOOK_SECRET"] = _instance_secret(
            instance_path, "offline_webhook_secret", lambda: "whsec_" + secrets.token_hex(24)
        )


SECURE_COOKIES = ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE")


def fill_environment_defaults(config: dict) -> None:
    """Settings whose default depends on STREAKPOT_ENV: cookies are Secure in production only
    (the demo runs on plain http://localhost)."""
    for name in SECURE_COOKIES:
        if config.get(name) is None:
            config[name] = config.get("STREAKPOT_ENV") == "production"


def validate_config(config: dict) -> None:
    """Stop start-up with one clear sentence for the first setting that is missing or wrong."""
    for name, allowed in ALLOWED.items():
        if config.get(name) not in allowed:
            choices = ", ".join(sorted(allowed))
            raise ConfigError(f"STREAKPOT_{name} must be one of {choices}; it is {config.get(name)!r}.")
    if not config.get("SECRET_KEY"):
        raise ConfigError(
            "STREAKPOT_SECRET_KEY is missing: production needs a long random secret "
            "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)."
        )
    count = config.get("PROXY_COUNT", 0)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ConfigError(
            f"STREAKPOT_PROXY_COUNT must be 0 or the number of reverse proxies in front; it is {count!r}."
        )
    if config.get("OUTBOUND_URLS_ALLOW_LOOPBACK") and config["STREAKPOT_ENV"] != "test":
        raise ConfigError("STREAKPOT_OUTBOUND_URLS_ALLOW_LOOPBACK is for tests only (STREAKPOT_ENV=test).")
    if not isinstance(config.get("STAGING", False), bool):
        raise ConfigError(f"STREAKPOT_STAGING must be true or false; it is {config.get('STAGING')!r}.")
    if config["STREAKPOT_ENV"] == "production":
        _validate_production(config)
    if config["PAYMENTS_MODE"] == "stripe":
        for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
            if not config.get(name):
                raise ConfigError(f"STREAKPOT_{name} is missing: PAYMENTS_MODE=stripe needs it.")
    if not config.get("STRIPE_WEBHOOK_SECRET"):
        raise ConfigError(
            "STREAKPOT_STRIPE_WEBHOOK_SECRET is missing: webhooks cannot be verified without it."
        )
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        raise ConfigError("STREAKPOT_SQLALCHEMY_DATABASE_URI is missing.")
    _validate_mail(config)
    _validate_push(config)


def _validate_push(config: dict) -> None:
    key = config.get("VAPID_PRIVATE_KEY")
    if not key:
        raise ConfigError(
            "STREAKPOT_VAPID_PRIVATE_KEY is missing: Web Push needs the server's key "
            "(`python -m habits.notify.vapid` prints a new one; keep it: browsers subscribed with it)."
        )
    try:
        vapid.load_private_key(str(key))
    except ValueError:
        raise ConfigError(
            "STREAKPOT_VAPID_PRIVATE_KEY is not a VAPID private key: it is 32 bytes in base64url "
            "(`python -m habits.notify.vapid` prints one)."
        )
    subject = config.get("VAPID_SUBJECT")
    if subject and not str(subject).startswith(("mailto:", "https://")):
        raise ConfigError(f"STREAKPOT_VAPID_SUBJECT must start with mailto: or https://; it is {subject!r}.")


def _validate_mail(config: dict) -> None:
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        raise ConfigError(
            "STREAKPOT_MAIL_USE_TLS and STREAKPOT_MAIL_USE_SSL are both true: choose STARTTLS "
            "(MAIL_USE_TLS, port 587) or implicit TLS (MAIL_USE_SSL, port 465)."
        )
    public_url = config.get("PUBLIC_URL")
    if public_url and not str(public_url).startswith(("https://", "http://")):
        raise ConfigError(
            f"STREAKPOT_PUBLIC_URL must start with https:// (or http://); it is {public_url!r}."
        )
    if not config.get("MAIL_SERVER"):
        return
    if not isinstance(config.get("MAIL_PORT"), int) or not 0 < config["MAIL_PORT"] < 65536:
        raise ConfigError(f"STREAKPOT_MAIL_PORT must be a port number; it is {config.get('MAIL_PORT')!r}.")
    if config["STREAKPOT_ENV"] == "production" and not config.get("PUBLIC_URL"):
        raise ConfigError(
            "STREAKPOT_PUBLIC_URL is missing: links in mail need the site's address "
            "(e.g. https://streakpot.example)."
        )


def _validate_production(config: dict) -> None:
    if config["PAYMENTS_MODE"] == "offline" and not config.get("STAGING"):
        raise ConfigError(
            "STREAKPOT_PAYMENTS_MODE is offline, whose test card pays deposits with no money: "
            "production needs STREAKPOT_PAYMENTS_MODE=stripe, or STREAKPOT_STAGING=true on a staging server."
        )
    for name in SECURE_COOKIES:
        if not config.get(name):
            raise ConfigError(
                f"STREAKPOT_{name} is false: production serves its sign-in cookies over HTTPS only."
            )
