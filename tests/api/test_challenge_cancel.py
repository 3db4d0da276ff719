"""POST /api/v1/challenges/{id}/cancel: organizers cancel before day 0 (SPEC "Money rules freeze");
404 for whoever cannot see the challenge, 403 for its members, 409 once day 0's window opened."""

from __future__ import annotations

from tests.factories import at_local
from tests.timehelpers import travel


def cancel(client, world, who="organizer", *, day=-1, hhmm="12:00"):
    with travel(at_local(world.challenge, day, hhmm)):
        return client.post(f"/api/v1/challenges/{world.challenge.id}/cancel", headers=world.as_(who))


def test_an_organizer_cancels_before_day_zero_and_again_changes_nothing(client, world):
    first = cancel(client, world, "co_organizer")
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["status"] == "cancelled" and body["next_due_at"] is None
    assert body["counts"]["cancelled"] == 2 and body["counts"]["active"] == 0
    again = cancel(client, world, "organizer", hhmm="13:00")
    assert again.status_code == 200 and again.get_json()["status"] == "cancelled"


def test_members_may_not_and_outsiders_do_not_see_it(client, world):
    assert cancel(client, world, "owner").status_code == 403
    assert cancel(client, world, "outsider").status_code == 404
    assert cancel(client, world, "anonymous").status_code == 401
    assert client.get(f"/api/v1/challenges/{world.challenge.id}", headers=world.as_("owner")).get_json()[
        "status"
    ] == ("enrolling")


def test_too_late_once_day_zero_opened(client, world):
    response = cancel(client, world, day=0, hhmm="05:00")
    body = response.get_json()
    assert response.status_code == 409 and body["code"] == "challenge_cancel_too_late"
    assert body["challenge_status"] == "enrolling"
