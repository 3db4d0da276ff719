"""Every refusal's problem document carries its stable ``code`` (an RFC 9457 extension member),
beside the documented ``{type, title, status, detail, errors}``; field errors stay strings."""

from __future__ import annotations

from tests.api.test_challenges import launch
from tests.factories import at_local
from tests.timehelpers import travel


def test_a_refused_check_in_says_its_code(client, world):
    url = f"/api/v1/enrollments/{world.owner_enrollment.id}/checkins"
    with travel(at_local(world.challenge, 1, "07:00")):
        response = client.post(url, json={}, headers=world.as_("owner"))
    body = response.get_json()
    assert response.status_code == 409 and response.content_type == "application/problem+json"
    assert body["code"] == "check_in_closed"
    assert body["next_window_opens_at"] == "2026-03-03T21:00:00Z"
    assert {"type", "title", "status", "detail"} <= set(body)


def test_rules_that_do_not_hold_together_keep_string_field_errors(client, world):
    response = launch(client, world, window_open="08:00", window_close="06:00", rest_days=30)
    body = response.get_json()
    assert response.status_code == 422 and body["code"] == "invalid_input"
    assert body["errors"] == {
        "window_close": ["The window must close after it opens (24:00 is the end of the day)."],
        "rest_days": ["There cannot be more rest days than days."],
    }


def test_not_found_and_forbidden_say_theirs(client, world):
    missing = client.get("/api/v1/challenges/999999", headers=world.as_("owner")).get_json()
    assert missing["status"] == 404 and missing["code"] == "not_found"
    hidden = client.get(f"/api/v1/challenges/{world.challenge.id}/leaderboard", headers=world.as_("outsider"))
    assert hidden.status_code == 404 and hidden.get_json()["code"] == "not_found"
    edit = client.patch(
        f"/api/v1/challenges/{world.challenge.id}", json={"title": "T"}, headers=world.as_("owner")
    )
    assert edit.status_code == 403 and edit.get_json()["code"] == "forbidden"
