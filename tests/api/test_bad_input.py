"""Whatever a client sends gets a clear 4xx problem document, and nothing is stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from habits.models import Challenge, CheckIn, Community
from tests.factories import at_local
from tests.timehelpers import travel

JSON_ROUTES = [
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/tokens"),
    ("PATCH", "/api/v1/me"),
    ("POST", "/api/v1/communities"),
    ("POST", "/api/v1/communities/{community}/challenges"),
    ("PATCH", "/api/v1/challenges/{challenge}"),
    ("POST", "/api/v1/enrollments/{enrollment}/checkins"),
]


def url_for(world, template: str) -> str:
    return template.format(
        community=world.community.id, challenge=world.challenge.id, enrollment=world.owner_enrollment.id
    )


def stored_rows(session) -> tuple[int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Community, Challenge, CheckIn))


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
@pytest.mark.parametrize(
    "body", [b"{", b'{"note": "unterminated', b"\xff\xfe\x00garbage", b"{'single': 'quotes'}"]
)
def test_malformed_json_is_400(client, session, world, method, path, body):
    before = stored_rows(session)
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.open(
            url_for(world, path),
            method=method,
            data=body,
            content_type="application/json",
            headers=world.as_("organizer"),
        )
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert response.get_json()["status"] == 400
    assert stored_rows(session) == before


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
@pytest.mark.parametrize("body", [[], "text", 42, None, [{"note": "x"}]])
def test_a_body_that_is_not_an_object_is_4xx(client, session, world, method, path, body):
    before = stored_rows(session)
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.open(
            url_for(world, path),
            method=method,
            data=json.dumps(body),
            content_type="application/json",
            headers=world.as_("owner"),
        )
    assert 400 <= response.status_code < 500
    assert response.content_type == "application/problem+json"
    assert stored_rows(session) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/communities", {"name": 5, "theme": "reading"}, "name"),
        (
            "/api/v1/communities",
            {"name": "x", "theme": "reading", "entry": {"approval": "maybe"}},
            "entry.approval",
        ),
        (
            "/api/v1/communities",
            {"name": "x", "theme": "reading", "entry": {"form": "city?"}},
            "entry.form",
        ),
        ("/api/v1/enrollments/{enrollment}/checkins", {"value": "lots"}, "value"),
        ("/api/v1/enrollments/{enrollment}/checkins", {"value": -1}, "value"),
        ("/api/v1/enrollments/{enrollment}/checkins", {"value": 1e300}, "value"),
        ("/api/v1/enrollments/{enrollment}/checkins", {"note": ["a"]}, "note"),
        ("/api/v1/enrollments/{enrollment}/checkins", {"note": "x" * 2001}, "note"),
        (
            "/api/v1/enrollments/{enrollment}/checkins",
            {"checked_in_at": "2020-01-01T00:00:00Z"},
            "checked_in_at",
        ),
        ("/api/v1/enrollments/{enrollment}/checkins", {"day_index": 3}, "day_index"),
        ("/api/v1/communities", {"name": "x", "theme": "reading", "organizer_id": 1}, "organizer_id"),
    ],
)
def test_wrong_types_and_unknown_fields_are_422_on_the_field(client, session, world, path, body, field):
    before = stored_rows(session)
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(url_for(world, path), json=body, headers=world.as_("owner"))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert stored_rows(session) == before


def test_a_client_cannot_choose_the_check_in_instant(client, session, world):
    """The client's clock is never trusted: a checked_in_at in the body is refused, not used."""
    with travel(at_local(world.challenge, 0, "08:00")):  # window closed
        response = client.post(
            url_for(world, "/api/v1/enrollments/{enrollment}/checkins"),
            json={"checked_in_at": "2026-03-01T21:30:00Z"},
            headers=world.as_("owner"),
        )
    assert response.status_code == 422
    assert stored_rows(session)[2] == 0


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
def test_a_huge_body_is_413(client, session, world, method, path):
    before = stored_rows(session)
    huge = b'{"note": "' + b"x" * (7 * 1024 * 1024) + b'"}'
    response = client.open(
        url_for(world, path),
        method=method,
        data=huge,
        content_type="application/json",
        headers=world.as_("owner"),
    )
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"
    assert stored_rows(session) == before


def test_a_huge_photo_upload_is_413(client, session, world):
    import io

    response = client.post(
        url_for(world, "/api/v1/enrollments/{enrollment}/checkins"),
        data={"photo": (io.BytesIO(b"\xff\xd8\xff" + b"\x00" * (7 * 1024 * 1024)), "big.jpg")},
        headers=world.as_("owner"),
    )
    assert response.status_code == 413
    assert stored_rows(session)[2] == 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/challenges/99999999999999999999999999",
        "/api/v1/challenges/0",
        "/api/v1/challenges/-1",
        "/api/v1/challenges/abc",
        "/api/v1/enrollments/9223372036854775808",
        "/api/v1/communities/1e3",
    ],
)
def test_ids_out_of_range_are_404_not_500(client, world, path):
    response = client.get(path, headers=world.as_("owner"))
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize(
    "query", ["page=0", "per_page=1000", "page=abc", "per_page=-5", "page=99999999999999999999"]
)
def test_bad_pagination_is_422(client, world, query):
    response = client.get(f"/api/v1/communities?{query}", headers=world.as_("owner"))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"


def test_wrong_method_is_405_problem(client, world):
    response = client.delete(f"/api/v1/challenges/{world.challenge.id}", headers=world.as_("organizer"))
    assert response.status_code == 405
    assert response.content_type == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_form_encoded_check_in_is_400_not_guessed(client, session, world):
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(
            url_for(world, "/api/v1/enrollments/{enrollment}/checkins"),
            data={"note": "hi"},
            headers=world.as_("owner"),
        )
    assert response.status_code == 400
    assert stored_rows(session)[2] == 0


def test_unknown_multipart_file_fields_are_422_and_not_stored(client, session, world):
    import io

    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(
            url_for(world, "/api/v1/enrollments/{enrollment}/checkins"),
            data={"payload": (io.BytesIO(b"\x89PNG\r\n\x1a\n"), "x.png")},
            headers=world.as_("owner"),
        )
    assert response.status_code == 422
    assert "payload" in response.get_json()["errors"]
    assert stored_rows(session)[2] == 0
