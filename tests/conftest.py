"""Fixtures every test stands on.

- The database is real: a temporary SQLite file by default, PostgreSQL when TEST_DATABASE_URL is
  set (a fresh, empty database: `.ci/run` creates one per run and drops it after).
- Each test runs inside one outer transaction on one connection and is rolled back at the end.
  App code that commits only releases a SAVEPOINT, so commits, IntegrityError recovery and
  rollbacks behave as in production (SQLAlchemy's "join a session into an external transaction").
  Flask-SQLAlchemy's own session ignores a session-level bind (STYLE.md 4.12), so ``db.session``
  is replaced by a plain scoped session on that connection for the test.
- A request's teardown rolls back what it did not commit, as in production: test set-up that a
  request must see should be committed (the factories do).
- Tests that need real, separate transactions (concurrency, locking) are marked ``postgres`` and
  use ``pg_engine``; they run only on PostgreSQL and clean up by truncating.
"""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from habits.database import prepare_engine
from habits.extensions import db, limiter
from habits.models.checkin import DROP_ARRIVAL_SEQUENCES
from habits.photo_files import PHOTO_STORE_KEY
from habits.services.photos import PhotoStore
from habits.storage.s3 import PHOTOS_PREFIX, S3Objects, S3PhotoStore
from tests.object_store import new_bucket, running_moto

# Timing is for benchmarks, not tests: on a loaded 2-core CI machine a per-example deadline only
# makes property tests flaky, so none is set.
settings.register_profile("streakpot", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("streakpot")

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
ON_POSTGRES = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"))


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (real concurrent transactions)")
    config.addinivalue_line("markers", "browser: drives Debian's chromium through Playwright")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'streakpot-test.db'}"


def test_settings(database_url: str, instance_path) -> dict:
    return {
        "TESTING": True,
        "STREAKPOT_ENV": "test",
        "INSTANCE_PATH": str(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "STRIPE_WEBHOOK_SECRET": "whsec_test_secret",
        # a fixed Web Push key (production-mode test apps need one; never used outside tests)
        "VAPID_PRIVATE_KEY": "cp8ED44N56y1NyTqznelxIKEx084Ky_iqQm1mlpuxvc",
        "SCHEDULER_MODE": "off",
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
        # a real (scrypt) hash per registration would slow the API tests for nothing
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


test_settings.__test__ = False  # a helper, not a test


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(test_settings(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def session(app):
    """A session on one connection whose outer transaction is rolled back after the test.

    No app context stays pushed while the test runs: each request the test client makes gets a
    fresh one (and a fresh ``g``), as in production.
    """
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    scoped = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
    # Flask-SQLAlchemy's teardown calls remove(); keep the session (and the test's objects)
    # alive, but drop uncommitted work exactly as closing a real request session would.
    scoped.remove = lambda: scoped.rollback()
    scoped()  # the session exists from the start, so requests join it (unit_of_work)
    original = db.session
    db.session = scoped
    try:
        yield scoped
    finally:
        db.session = original
        scoped.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    with app.app_context():
        limiter.reset()
    yield


@pytest.fixture
def pg_engine(app):
    """Real, separately committing connections (PostgreSQL only); tables truncated afterwards."""
    if not ON_POSTGRES:
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL")
    engine = create_engine(TEST_DATABASE_URL, pool_size=10)
    prepare_engine(engine)
    yield engine
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text(DROP_ARRIVAL_SEQUENCES))  # challenge ids start again
    engine.dispose()


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with nothing in it, for `flask db upgrade` tests: a SQLite file, or on
    PostgreSQL a throwaway database beside the test database, dropped afterwards."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    base = make_url(TEST_DATABASE_URL)
    name = f"{base.database}_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def moto_url():
    """moto's S3 server on a free loopback port, for the session (tests/object_store.py)."""
    with running_moto() as url:
        yield url


@pytest.fixture(params=["local", "s3"])
def photo_storage(request, app, tmp_path, monkeypatch):
    """The app's photo store for this test: the local folder, then a fresh bucket in moto."""
    if request.param == "local":
        store = PhotoStore(tmp_path / "photos")
    else:
        client, bucket = new_bucket(request.getfixturevalue("moto_url"))
        store = S3PhotoStore(S3Objects(client, bucket, PHOTOS_PREFIX))
    monkeypatch.setitem(app.extensions, PHOTO_STORE_KEY, store)
    return store
