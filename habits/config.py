"""Settings: demo-ready defaults, then instance/config.py, then STREAKPOT_* variables, then overrides.

Every setting can come from the environment as ``STREAKPOT_<NAME>`` (values are parsed as JSON
when they can be, so ``STREAKPOT_TESTING=true`` is a bool). A setting that production needs and
is missing stops start-up with a sentence naming it (``validate_config``).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from habits import vapid_keys as vapid

#: Stripe.js, from Stripe (docs.stripe.com/js/including: never bundled nor served from elsewhere)
STRIPE_JS = "https://js.stripe.com/v3/"
#: STRIPE_PAYMENT_METHODS for the methods switched on in the Dashboard
AUTOMATIC_METHODS = "automatic"
_METHOD_TYPE = re.compile(r"[a-z][a-z_]{1,39}")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


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
    #: the account's publishable key (pk_live_..., pk_test_...): the pay page gives it to Stripe.js
    STRIPE_PUBLISHABLE_KEY: str | None = None
    #: where the pay page loads Stripe.js from: Stripe's own in production (the one script the
    #: pages take from another site); a stand-in on this machine in tests
    STRIPE_JS_URL = STRIPE_JS
    #: what takes the payment on the pay page: "payment" (Stripe's Payment Element: card first,
    #: then the wallets the account offers, e.g. Alipay and WeChat Pay) or "card" (the Card
    #: Element: cards only, what localstripe's Stripe.js stand-in imitates)
    STRIPE_ELEMENT = "payment"
    #: what a deposit's PaymentIntent accepts: "automatic" (automatic_payment_methods: the methods
    #: switched on in the Stripe Dashboard that suit the currency; production), or a list of
    #: payment_method_types such as ["card", "alipay", "wechat_pay"] (localstripe takes only this
    #: form, and ignores it: tests use ["card"])
    STRIPE_PAYMENT_METHODS: str | list[str] = "automatic"
    SCHEDULER_MODE = "in-process"  # "in-process" | "off" (then run `flask scheduler run`)
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    #: the storage's options: its errors come as limits' StorageError (habits/outages.py answers
    #: 503 or lets a check-in through), and a Redis that stopped answering is given up on in
    #: half a second rather than holding the request (memory:// ignores the timeouts)
    RATELIMIT_STORAGE_OPTIONS: dict[str, Any] = {
        "wrap_exceptions": True,
        "socket_timeout": 0.5,
        "socket_connect_timeout": 0.5,
    }
    # each named limit is RATELIMIT_<NAME> too, e.g. RATELIMIT_MONEY (habits/ratelimits.py)
    #: reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none)
    PROXY_COUNT = 0
    #: URLs an organizer makes the server call (habits/services/outbound_urls.py): in production
    #: their host must be listed here under the URL's kind, e.g. {"chat_slack": ["hooks.slack.com"]};
    #: a chat kind not listed (chat_wecom, chat_dingtalk, chat_feishu, chat_slack, chat_discord,
    #: chat_telegram) allows its vendor's own hosts (habits/services/chat_hooks.py KNOWN_CHAT_HOSTS)
    OUTBOUND_URL_HOSTS: dict[str, list[str]] = {}
    #: tests only (STREAKPOT_ENV=test): outbound URLs may point at this machine's loopback, over
    #: plain http too (a test's local chat receiver or push service)
    OUTBOUND_URLS_ALLOW_LOOPBACK = False
    #: gzip responses in the app (habits/compression.py): the demo does; in production the
    #: reverse proxy compresses (README) and this stays off
    SERVE_COMPRESSED = False
    #: request bodies above this are refused with 413 (photos are the largest thing we take)
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    PHOTO_MAX_BYTES = 5 * 1024 * 1024
    #: where photos are kept: "local" (instance/photos: one machine, the demo) or "s3" (an
    #: S3-compatible bucket every web node shares; the app streams them, same authorization)
    PHOTO_STORAGE = "local"
    #: the S3-compatible server's address (MinIO: http://minio:9000); unset: AWS S3 itself
    S3_ENDPOINT_URL: str | None = None
    #: the bucket photos go to under photos/ (required with PHOTO_STORAGE=s3; create it first)
    S3_BUCKET: str | None = None
    #: the bucket's region (unset: boto3's own, AWS_REGION)
    S3_REGION: str | None = None
    #: the store's keys, from the environment only; unset: boto3's own chain (AWS_ACCESS_KEY_ID,
    #: AWS_SECRET_ACCESS_KEY, a profile, an instance role)
    S3_ACCESS_KEY_ID: str | None = None
    #: the secret of S3_ACCESS_KEY_ID (environment only)
    S3_SECRET_ACCESS_KEY: str | None = None
    API_TOKEN_TTL_DAYS = 30
    LOG_LEVEL = "INFO"
    #: this node's name in the heartbeat and the metrics (None: the host's name); give each web
    #: node on one machine its own (STREAKPOT_NODE_NAME=web1)
    NODE_NAME: str | None = None
    #: /metrics answers only to ``Authorization: Bearer <METRICS_TOKEN>``; unset, it is a 404
    METRICS_TOKEN: str | None = None
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
    # production (`python -m habits.vapid_keys` prints a new one; the demo generates its own
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
    "STRIPE_ELEMENT": {"payment", "card"},
    "PHOTO_STORAGE": {"local", "s3"},
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


def take_environment_name(config: dict) -> None:
    """``STREAKPOT_ENV=production`` in the environment arrives as ``ENV`` (Flask's
    from_prefixed_env strips the prefix), yet the setting is STREAKPOT_ENV, the one whose name
    carries the prefix: without this, production started from the environment ran as the demo."""
    if "ENV" in config:
        config["STREAKPOT_ENV"] = config.pop("ENV")


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
    if config["PHOTO_STORAGE"] == "s3" and not config.get("S3_BUCKET"):
        raise ConfigError("STREAKPOT_S3_BUCKET is missing: PHOTO_STORAGE=s3 needs the bucket's name.")
    token = config.get("METRICS_TOKEN")
    # empty is unset (the environment file's blank line): no /metrics, as the route reads it
    if token not in (None, "") and (not isinstance(token, str) or len(token) < 16):
        raise ConfigError("STREAKPOT_METRICS_TOKEN must be a random string of at least 16 characters.")
    if config["STREAKPOT_ENV"] == "production":
        _validate_production(config)
    if config["PAYMENTS_MODE"] == "stripe":
        for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
            if not config.get(name):
                raise ConfigError(f"STREAKPOT_{name} is missing: PAYMENTS_MODE=stripe needs it.")
        if config["STREAKPOT_ENV"] == "production":
            _validate_publishable_key(config)
    _validate_stripe_page(config)
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
            "(`python -m habits.vapid_keys` prints a new one; keep it: browsers subscribed with it)."
        )
    try:
        vapid.load_private_key(str(key))
    except ValueError:
        raise ConfigError(
            "STREAKPOT_VAPID_PRIVATE_KEY is not a VAPID private key: it is 32 bytes in base64url "
            "(`python -m habits.vapid_keys` prints one)."
        )
    subject = config.get("VAPID_SUBJECT")
    if subject and not str(subject).startswith(("mailto:", "https://")):
        raise ConfigError(f"STREAKPOT_VAPID_SUBJECT must start with mailto: or https://; it is {subject!r}.")


def _validate_stripe_page(config: dict) -> None:
    """What the pay page takes cards and wallets with (habits/web/card_payment.py)."""
    methods = config.get("STRIPE_PAYMENT_METHODS", AUTOMATIC_METHODS)
    if methods != AUTOMATIC_METHODS and not (
        isinstance(methods, list | tuple)
        and methods
        and len(set(methods)) == len(methods)
        and all(isinstance(m, str) and _METHOD_TYPE.fullmatch(m) for m in methods)
    ):
        raise ConfigError(
            'STREAKPOT_STRIPE_PAYMENT_METHODS must be "automatic" or a list of Stripe payment method '
            f'types such as ["card", "alipay", "wechat_pay"]; it is {methods!r}.'
        )
    if config.get("STRIPE_ELEMENT") == "card" and list(methods) != ["card"]:
        raise ConfigError(
            'STREAKPOT_STRIPE_ELEMENT=card takes cards only: set STREAKPOT_STRIPE_PAYMENT_METHODS=["card"], '
            "or use the Payment Element (STREAKPOT_STRIPE_ELEMENT=payment) for wallets."
        )
    url = config.get("STRIPE_JS_URL") or ""
    parts = urlsplit(url)
    production = config["STREAKPOT_ENV"] == "production"
    if production and not url.startswith("https://js.stripe.com/"):
        raise ConfigError(
            f"STREAKPOT_STRIPE_JS_URL must be Stripe's own ({STRIPE_JS}) in production; it is {url!r}."
        )
    if not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS)):
        raise ConfigError(
            "STREAKPOT_STRIPE_JS_URL must be an https:// address (or an http:// one on this machine "
            f"for a test stand-in); it is {url!r}."
        )


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


def _validate_publishable_key(config: dict) -> None:
    """Production's pay page needs the publishable key, of the same mode as the secret key."""
    key = config.get("STRIPE_PUBLISHABLE_KEY") or ""
    if not key.startswith("pk_"):
        raise ConfigError(
            "STREAKPOT_STRIPE_PUBLISHABLE_KEY is missing: the pay page needs the account's publishable "
            "key (pk_live_..., from the Stripe Dashboard) to take cards and wallets."
        )
    secret = config.get("STRIPE_SECRET_KEY") or ""
    if ("_live_" in key) != ("_live_" in secret):
        raise ConfigError(
            "STREAKPOT_STRIPE_PUBLISHABLE_KEY and STREAKPOT_STRIPE_SECRET_KEY are not of the same "
            "mode: both live or both test keys."
        )
