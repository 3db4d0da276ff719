"""Streakpot's application factory: wiring only. `flask --app app` finds create_app()."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from habits import config as settings
from habits import models  # noqa: F401  (every table on the metadata before anything binds)
from habits.api import init_api
from habits.api.security import token_or_address
from habits.cli import register_commands
from habits.compression import init_compression
from habits.database import prepare_engine
from habits.extensions import babel, csrf, db, limiter, login_manager, migrate
from habits.logging_setup import configure_logging
from habits.observability import init_observability, start_heartbeat
from habits.outages import install as install_outage_answers
from habits.payments import init_payments
from habits.photo_files import init_photo_storage
from habits.problems import register_error_handlers
from habits.ratelimits import install as install_rate_limits
from habits.request_bounds import BoundedRequest
from habits.routing import register_converters
from habits.scheduler import scheduler_cli, start_in_process
from habits.security_headers import init_security_headers
from habits.web import init_web

ROOT = Path(__file__).resolve().parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app. ``overrides`` wins over every other source; its ``INSTANCE_PATH`` key
    (tests use it) moves instance/ (demo database, generated secrets, photos) elsewhere."""
    instance_path = (overrides or {}).get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.request_class = BoundedRequest  # every JSON body is bounded before any reader parses it
    load_settings(app, overrides)
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    init_extensions(app)
    register_edges(app)
    init_observability(app)
    trust_proxies(app)
    app.cli.add_command(scheduler_cli)
    start_in_process(app)
    start_heartbeat(app)
    return app


def load_settings(app: Flask, overrides: dict | None) -> None:
    app.config.from_object(settings.Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("STREAKPOT")
    settings.take_environment_name(app.config)
    app.config.update(overrides or {})
    settings.fill_demo_secrets(app.config, app.instance_path)
    settings.fill_environment_defaults(app.config)
    settings.validate_config(app.config)


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        prepare_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app)
    limiter.init_app(app)


def register_edges(app: Flask) -> None:
    register_error_handlers(app)
    install_outage_answers(app)
    register_converters(app)
    init_security_headers(app)
    init_compression(app)
    init_api(app)
    init_web(app)
    install_rate_limits(app, api_caller_key=token_or_address)
    register_commands(app)
    init_payments(app)
    init_photo_storage(app)


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client's address and scheme from the
    X-Forwarded-For and -Proto headers they add (each proxy appends one): rate limits then count
    clients, not the proxy. Never more than the proxies really there: a client could forge the rest."""
    count = app.config["PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
