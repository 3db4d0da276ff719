"""/readyz: 200 when every check passes, 503 naming the check that failed: the database, the
migrations at head, Redis when the rate limits live there, and any check another part adds."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from app import create_app
from habits.observability import add_readiness_check
from tests.conftest import test_settings


def stamp(session, revision: str) -> None:
    session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    session.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})


def head(app) -> str:
    (only,) = ScriptDirectory(app.extensions["migrate"].directory).get_heads()
    return only


def test_ready_when_the_database_is_at_the_migrations_head(app, client, session):
    stamp(session, head(app))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": {"status": "ok"}, "migrations": {"status": "ok"}},
    }


def test_not_ready_until_the_migrations_ran(app, client, session):
    stamp(session, "0001")
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["migrations"]["status"] == "error"
    assert f"at 0001, the code expects {head(app)}" in body["checks"]["migrations"]["error"]


def test_the_database_gone_is_not_ready(tmp_path):
    gone = create_app(test_settings(f"sqlite:///{tmp_path}/missing/dir/x.db", tmp_path))
    response = gone.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["status"] == "error"


def test_redis_is_checked_when_the_rate_limits_live_there(app, tmp_path):
    settings = test_settings(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    assert "redis" not in create_app(settings).test_client().get("/readyz").get_json()["checks"]
    unreachable = create_app({**settings, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1"})
    try:
        response = unreachable.test_client().get("/readyz")
    finally:
        create_app(settings)  # the limiter is one object: give it its memory storage back
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"] == {
        "status": "error",
        "error": "the rate-limit storage does not answer",
    }


@pytest.mark.parametrize(("answer", "status"), [(None, "ok"), ("the bucket does not answer", "error")])
def test_another_part_adds_its_own_check(app, tmp_path, answer, status):
    node = create_app(test_settings(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path))
    add_readiness_check(node, "object_store", lambda: answer)
    body = node.test_client().get("/readyz").get_json()
    expected = {"status": status} if answer is None else {"status": status, "error": answer}
    assert body["checks"]["object_store"] == expected
