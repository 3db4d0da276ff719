"""The referee rule and the referee log through the API: an organizer who plays in a challenge
is refused (403, ``referee_plays_in_challenge``) on every refereeing route, and
``GET /api/v1/challenges/{id}/referee-log`` shows every void, appeal and excuse to the
challenge's participants and organizers, newest first (404 for anyone else)."""

from __future__ import annotations

from habits.domain.lifecycle import EnrollmentStatus
from tests.api.conftest import TOKEN_ISSUED_AT
from tests.api.helpers import auth_headers, enrollment_row
from tests.factories import add_to_community, at_local, make_checkin, make_member
from tests.timehelpers import travel


def referee(client, world, who, checkin):
    """Void ``checkin``, record the other member's day-1 check-in, excuse day 2: the statuses."""
    challenge = world.challenge.id
    calls = [
        (f"/api/v1/checkins/{checkin.id}/void", {"reason": "yesterday's photo"}),
        (
            f"/api/v1/challenges/{challenge}/days/1/checkins",
            {"enrollment_id": world.other_enrollment.id, "reason": "forgot to tap"},
        ),
        (f"/api/v1/challenges/{challenge}/days/2/excuse", {"reason": "typhoon"}),
    ]
    responses = [client.post(url, json=body, headers=world.as_(who)) for url, body in calls]
    return responses


def test_an_organizer_who_plays_is_refused_on_every_refereeing_route(client, session, world):
    enrollment_row(session, world.challenge, world.organizer)
    checkin = make_checkin(session, world.owner_enrollment, 1, at=at_local(world.challenge, 1, "05:10"))
    with travel(at_local(world.challenge, 1, "07:05")):
        refused = referee(client, world, "organizer", checkin)
        allowed = referee(client, world, "co_organizer", checkin)
    assert [r.status_code for r in refused] == [403, 403, 403]
    for response in refused:
        body = response.get_json()
        assert response.content_type == "application/problem+json"
        assert body["code"] == "referee_plays_in_challenge"
        assert body["free_referees"] == ["Co"] and "(Co)" in body["detail"]
    assert [r.status_code for r in allowed] == [200, 201, 201]


def test_the_referee_log_shows_who_when_and_why_newest_first(client, session, world):
    checkin = make_checkin(session, world.owner_enrollment, 1, at=at_local(world.challenge, 1, "05:10"))
    with travel(at_local(world.challenge, 1, "07:05")):
        assert [r.status_code for r in referee(client, world, "co_organizer", checkin)] == [200, 201, 201]
    url = f"/api/v1/challenges/{world.challenge.id}/referee-log"
    body = client.get(url, headers=world.as_("owner")).get_json()
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 20)
    assert [item["kind"] for item in body["items"]] == ["excuse", "appeal", "void"]  # ids break the tie
    co = {"id": world.co_organizer.id, "display_name": "Co"}
    void = body["items"][2]
    assert void == {
        "id": void["id"],
        "kind": "void",
        "day_index": 1,
        "referee": co,
        "acted_at": "2026-03-02T23:05:00Z",
        "reason": "yesterday's photo",
        "enrollment_id": world.owner_enrollment.id,
        "participant": {"id": world.owner.id, "display_name": "Owner"},
    }
    excuse = body["items"][0]
    assert (excuse["day_index"], excuse["enrollment_id"], excuse["participant"]) == (2, None, None)
    assert excuse["referee"] == co and excuse["reason"] == "typhoon"
    second = client.get(url + "?page=2&per_page=2", headers=world.as_("organizer")).get_json()
    assert [item["kind"] for item in second["items"]] == ["void"] and second["total"] == 3


def test_the_referee_log_is_not_found_for_whoever_may_not_see_it(client, session, world):
    bystander = make_member(session)
    add_to_community(session, world.community, bystander)  # a member of the community, not enrolled
    quitter = make_member(session)
    enrollment_row(session, world.challenge, quitter, status=EnrollmentStatus.CANCELLED)
    url = f"/api/v1/challenges/{world.challenge.id}/referee-log"
    as_bystander = auth_headers(session, bystander, now=TOKEN_ISSUED_AT, ttl_days=3650)
    as_quitter = auth_headers(session, quitter, now=TOKEN_ISSUED_AT, ttl_days=3650)
    assert client.get(url, headers=world.as_("outsider")).status_code == 404
    assert client.get(url, headers=as_bystander).status_code == 404
    assert client.get(url, headers=as_quitter).status_code == 200  # a participant, whatever its status
    assert client.get(url).status_code == 401
    assert client.get("/api/v1/challenges/999999/referee-log", headers=world.as_("owner")).status_code == 404
    assert client.get(url + "?per_page=1000", headers=world.as_("owner")).status_code == 422
