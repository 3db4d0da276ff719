"""While a part the service leans on is down, requests get a 503 with Retry-After, never a 500
(habits/outages.py): the database unreachable, and the rate limits' Redis unreachable (check-ins
fail open; logins and every other limit fail closed)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import create_app
from habits.models import CheckIn
from habits.outages import RETRY_AFTER_SECONDS
from tests.conftest import test_settings
from tests.factories import at_local
from tests.timehelpers import travel

#: a privileged port nothing listens on: connections are refused at once
NOTHING_LISTENS = 1


def assert_unavailable_problem(response, code: str) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code


@pytest.fixture
def database_down(tmp_path):
    """An app whose PostgreSQL does not answer (nothing listens on its port)."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{NOTHING_LISTENS}/streakpot"
    return create_app({**test_settings(url, tmp_path), "WTF_CSRF_ENABLED": False})


def test_the_api_answers_503_while_the_database_is_unreachable(database_down):
    client = database_down.test_client()
    headers = {"Authorization": "Bearer not-checked-before-the-database-answers"}
    assert_unavailable_problem(client.get("/api/v1/me", headers=headers), "database_unavailable")
    tap = client.post("/api/v1/enrollments/1/checkins", json={}, headers=headers)
    assert_unavailable_problem(tap, "database_unavailable")
    login = client.post("/api/v1/auth/tokens", json={"email": "a@example.test", "password": "x" * 12})
    assert_unavailable_problem(login, "database_unavailable")


def test_a_page_answers_with_the_outage_page_not_an_error(database_down):
    response = database_down.test_client().post(
        "/login", data={"email": "a@example.test", "password": "x" * 12}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = response.get_data(as_text=True)
    assert "Please try again in a moment" in page and "请稍后再试" in page


@pytest.fixture
def redis_down(app, tmp_path):
    """The app's routes with the rate limits in a Redis that does not answer; the limiter is one
    object, so its memory storage is given back afterwards."""
    settings = test_settings(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    node = create_app({**settings, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{NOTHING_LISTENS}/0"})
    yield node
    create_app(settings)


def test_check_ins_fail_open_while_the_rate_limits_are_unreachable(redis_down, session, world):
    with travel(at_local(world.challenge, 0, "05:10")):
        response = redis_down.test_client().post(
            f"/api/v1/enrollments/{world.owner_enrollment.id}/checkins", json={}, headers=world.as_("owner")
        )
    assert response.status_code == 201
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_other_limits_fail_closed_while_the_rate_limits_are_unreachable(redis_down, session, world):
    client = redis_down.test_client()
    login = client.post("/api/v1/auth/tokens", json={"email": world.owner.email, "password": "x" * 12})
    assert_unavailable_problem(login, "limits_unavailable")
    community_url = f"/api/v1/communities/{world.community.id}"
    rename = client.patch(community_url, json={"name": "Renamed"}, headers=world.as_("organizer"))
    assert_unavailable_problem(rename, "limits_unavailable")
    assert world.community.name != "Renamed"


def test_a_failed_authentication_is_refused_when_it_cannot_be_counted(redis_down):
    response = redis_down.test_client().get("/api/v1/me", headers={"Authorization": "Bearer guessed"})
    assert_unavailable_problem(response, "limits_unavailable")
