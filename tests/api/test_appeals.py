"""Appeal requests through the API: a member asks (JSON, or multipart with a photo), organizers
list them, one who does not play decides. Who may call what (404 for what the caller may not
see, 403 for what they see but may not do, 401 anonymous), and every bad input is a problem
document naming its field.

The API world (tests/api/conftest.py): Org organizes and plays here (below), Co co-organizes and
does not; Owner's day-1 check-in (05:10) was voided by Co at 05:30; day 1 is due at 07:10
Asia/Shanghai, 2026-03-02T23:10:00Z.
"""

from __future__ import annotations

import io

import pytest

from habits.services.checkins import void_check_in
from tests import images
from tests.api.helpers import enrollment_row
from tests.factories import at_local, make_checkin
from tests.timehelpers import travel

ROLES = ("anonymous", "outsider", "other", "owner", "organizer", "co_organizer")


@pytest.fixture
def voided(session, world):
    enrollment_row(session, world.challenge, world.organizer)  # Org plays: Co referees
    checkin = make_checkin(session, world.owner_enrollment, 1, at=at_local(world.challenge, 1, "05:10"))
    void_check_in(
        session,
        checkin,
        world.co_organizer,
        reason="yesterday's photo",
        now=at_local(world.challenge, 1, "05:30"),
    )
    session.commit()
    return checkin


def ask(client, world, body=None, *, who="owner", **kwargs):
    url = f"/api/v1/enrollments/{world.owner_enrollment.id}/appeals"
    if body is not None:
        kwargs["json"] = body
    return client.post(url, headers=world.as_(who), **kwargs)


def statuses(client, world, method, url, body=None) -> dict[str, int]:
    return {
        role: client.open(url, method=method, json=body, headers=world.as_(role)).status_code
        for role in ROLES
    }


def test_a_member_asks_and_reads_the_pending_request(client, world, voided):
    with travel(at_local(world.challenge, 1, "06:30")):
        response = ask(client, world, {"day_index": 1, "reason": "The photo is from this morning."})
        mine = client.get(
            f"/api/v1/enrollments/{world.owner_enrollment.id}/appeals", headers=world.as_("owner")
        )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body == {
        "id": body["id"],
        "enrollment_id": world.owner_enrollment.id,
        "challenge_id": world.challenge.id,
        "member": {"id": world.owner.id, "display_name": "Owner"},
        "day_index": 1,
        "reason": "The photo is from this morning.",
        "has_photo": False,
        "status": "pending",
        "asked_at": "2026-03-02T22:30:00Z",
        "due_at": "2026-03-02T23:10:00Z",
        "decided_at": None,
        "decided_by": None,
        "decision_reason": None,
        "check_in_id": None,
        "check_in": "voided",
        "void_reason": "yesterday's photo",
    }
    assert mine.get_json()["items"] == [body] and mine.get_json()["total"] == 1


def test_an_appeal_with_a_photo_is_a_multipart_form_and_its_photo_is_private(
    client, world, voided, photo_storage
):
    form = {"day_index": "1", "reason": "see the clock", "photo": (io.BytesIO(images.png()), "proof.png")}
    with travel(at_local(world.challenge, 1, "06:30")):
        response = ask(client, world, data=form, content_type="multipart/form-data")
        appeal = response.get_json()
        seen = {
            role: client.get(f"/api/v1/appeals/{appeal['id']}/photo", headers=world.as_(role)).status_code
            for role in ROLES
        }
    assert response.status_code == 201 and appeal["has_photo"] is True
    assert seen == {
        "anonymous": 401,
        "outsider": 404,
        "other": 404,
        "owner": 200,
        "organizer": 200,
        "co_organizer": 200,
    }


def test_who_may_ask_list_and_decide(client, world, voided):
    challenge = world.challenge.id
    with travel(at_local(world.challenge, 1, "06:30")):
        asked = statuses(
            client,
            world,
            "POST",
            f"/api/v1/enrollments/{world.owner_enrollment.id}/appeals",
            {"day_index": 1, "reason": "r"},
        )
        appeal_id = client.get(
            f"/api/v1/challenges/{challenge}/appeals", headers=world.as_("co_organizer")
        ).get_json()["items"][0]["id"]
        listed = statuses(client, world, "GET", f"/api/v1/challenges/{challenge}/appeals?status=pending")
        own = statuses(client, world, "GET", f"/api/v1/enrollments/{world.owner_enrollment.id}/appeals")
        decided = statuses(
            client, world, "POST", f"/api/v1/appeals/{appeal_id}/decision", {"accept": True, "reason": "ok"}
        )
        again = client.post(
            f"/api/v1/appeals/{appeal_id}/decision",
            json={"accept": False, "reason": "no"},
            headers=world.as_("co_organizer"),
        )
    # the owner's own ask succeeds (201); the organizers' tries come after: one request waits per day
    assert asked == {
        "anonymous": 401,
        "outsider": 404,
        "other": 404,
        "owner": 201,
        "organizer": 404,
        "co_organizer": 404,
    }
    assert listed == {
        "anonymous": 401,
        "outsider": 404,
        "other": 403,
        "owner": 403,
        "organizer": 200,
        "co_organizer": 200,
    }
    assert own == {
        "anonymous": 401,
        "outsider": 404,
        "other": 404,
        "owner": 200,
        "organizer": 404,
        "co_organizer": 404,
    }
    # Org plays in the challenge (403, the referee rule); Co decides; then it is decided (409)
    assert decided == {
        "anonymous": 401,
        "outsider": 404,
        "other": 404,
        "owner": 403,
        "organizer": 403,
        "co_organizer": 200,
    }
    assert again.status_code == 409 and again.get_json()["code"] == "appeal_already_decided"


def test_the_organizer_who_plays_is_told_who_may_decide(client, world, voided):
    with travel(at_local(world.challenge, 1, "06:30")):
        appeal = ask(client, world, {"day_index": 1, "reason": "r"}).get_json()
        refused = client.post(
            f"/api/v1/appeals/{appeal['id']}/decision",
            json={"accept": True, "reason": "ok"},
            headers=world.as_("organizer"),
        )
    body = refused.get_json()
    assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    assert body["code"] == "referee_plays_in_challenge" and body["free_referees"] == ["Co"]


def test_accepting_records_the_check_in_and_the_referee_log_says_so(client, world, voided):
    today = f"/api/v1/enrollments/{world.owner_enrollment.id}/today"
    with travel(at_local(world.challenge, 1, "06:30")):
        before = client.get(today, headers=world.as_("owner")).get_json()
        appeal = ask(client, world, {"day_index": 1, "reason": "r"}).get_json()
        decided = client.post(
            f"/api/v1/appeals/{appeal['id']}/decision",
            json={"accept": True, "reason": "same sunrise as everyone"},
            headers=world.as_("co_organizer"),
        )
        checkins = client.get(
            f"/api/v1/enrollments/{world.owner_enrollment.id}/checkins", headers=world.as_("owner")
        )
        log = client.get(f"/api/v1/challenges/{world.challenge.id}/referee-log", headers=world.as_("other"))
        after = client.get(today, headers=world.as_("owner")).get_json()
    body = decided.get_json()
    assert decided.status_code == 200
    assert (body["status"], body["check_in"], body["check_in_id"]) == ("accepted", "valid", voided.id)
    assert body["decided_by"] == {"id": world.co_organizer.id, "display_name": "Co"}
    assert (
        body["decision_reason"] == "same sunrise as everyone" and body["decided_at"] == "2026-03-02T22:30:00Z"
    )
    assert checkins.get_json()["items"][0]["voided_at"] is None
    # the API's today says what the pages say: voided, then counted again
    assert (before["checked_in"], before["check_in_voided"]) == (True, True)
    assert (after["checked_in"], after["check_in_voided"]) == (True, False)
    newest = log.get_json()["items"][0]
    assert (newest["kind"], newest["reason"], newest["participant"]["display_name"]) == (
        "appeal",
        "same sunrise as everyone",
        "Owner",
    )


def test_refusing_keeps_the_reason_for_the_participants(client, world, voided):
    with travel(at_local(world.challenge, 1, "06:30")):
        appeal = ask(client, world, {"day_index": 1, "reason": "r"}).get_json()
        decided = client.post(
            f"/api/v1/appeals/{appeal['id']}/decision",
            json={"accept": False, "reason": "the photo shows Monday's paper"},
            headers=world.as_("co_organizer"),
        )
        log = client.get(f"/api/v1/challenges/{world.challenge.id}/referee-log", headers=world.as_("other"))
        again = ask(client, world, {"day_index": 1, "reason": "here is today's paper"})
    assert decided.get_json()["status"] == "refused"
    newest = log.get_json()["items"][0]
    assert (newest["kind"], newest["reason"], newest["referee"]["display_name"]) == (
        "appeal_refused",
        "the photo shows Monday's paper",
        "Co",
    )
    assert again.status_code == 201  # a refused request may be followed by another


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"day_index": "1", "reason": "r"}, "day_index"),
        ({"day_index": 1.0, "reason": "r"}, "day_index"),
        ({"day_index": -1, "reason": "r"}, "day_index"),
        ({"day_index": 1, "reason": ""}, "reason"),
        ({"day_index": 1, "reason": "   "}, "reason"),
        ({"day_index": 1, "reason": "x" * 501}, "reason"),
        ({"day_index": 1, "reason": "a\x00b"}, "reason"),
        ({"day_index": 1}, "reason"),
        ({"reason": "r"}, "day_index"),
        ({"day_index": 1, "reason": "r", "mood": "sad"}, "mood"),
        ({"day_index": 9, "reason": "r"}, "day_index"),  # the challenge has 7 days
    ],
)
def test_bad_input_to_an_ask_is_a_field_problem(client, world, voided, body, field):
    with travel(at_local(world.challenge, 1, "06:30")):
        response = ask(client, world, body)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert field in response.get_json()["errors"], response.get_json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"accept": 1, "reason": "r"}, "accept"),
        ({"accept": "true", "reason": "r"}, "accept"),
        ({"accept": True, "reason": " "}, "reason"),
        ({"accept": True}, "reason"),
        ({"reason": "r"}, "accept"),
    ],
)
def test_bad_input_to_a_decision_is_a_field_problem(client, world, voided, body, field):
    with travel(at_local(world.challenge, 1, "06:30")):
        appeal = ask(client, world, {"day_index": 1, "reason": "r"}).get_json()
        response = client.post(
            f"/api/v1/appeals/{appeal['id']}/decision", json=body, headers=world.as_("co_organizer")
        )
    assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()


def test_malformed_bodies_and_photos(client, world, voided):
    with travel(at_local(world.challenge, 1, "06:30")):
        broken = ask(client, world, data=b"{not json", content_type="application/json")
        not_an_image = ask(
            client,
            world,
            data={"day_index": "1", "reason": "r", "photo": (io.BytesIO(b"<html>"), "x.png")},
            content_type="multipart/form-data",
        )
        no_number = ask(
            client, world, data={"day_index": "one", "reason": "r"}, content_type="multipart/form-data"
        )
        bad_status = client.get(
            f"/api/v1/challenges/{world.challenge.id}/appeals?status=maybe", headers=world.as_("organizer")
        )
    assert broken.status_code == 400
    assert not_an_image.status_code == 422 and "photo" in not_an_image.get_json()["errors"]
    assert no_number.status_code == 422 and "day_index" in no_number.get_json()["errors"]
    assert bad_status.status_code == 422 and "status" in bad_status.get_json()["errors"]


def test_the_rules_refuse_with_their_codes(client, world, voided):
    with travel(at_local(world.challenge, 1, "05:45")):
        open_window = client.post(
            f"/api/v1/enrollments/{world.other_enrollment.id}/appeals",
            json={"day_index": 1, "reason": "r"},
            headers=world.as_("other"),
        )
        first = ask(client, world, {"day_index": 1, "reason": "r"})
        second = ask(client, world, {"day_index": 1, "reason": "r"})
        not_yet = ask(client, world, {"day_index": 2, "reason": "r"})
    with travel(at_local(world.challenge, 1, "07:10")):
        too_late = ask(client, world, {"day_index": 1, "reason": "r"})
        late_accept = client.post(
            f"/api/v1/appeals/{first.get_json()['id']}/decision",
            json={"accept": True, "reason": "ok"},
            headers=world.as_("co_organizer"),
        )
    codes = [r.get_json().get("code") for r in (open_window, second, not_yet, too_late, late_accept)]
    assert first.status_code == 201
    assert codes == [
        "appeal_check_in_instead",
        "appeal_already_pending",
        "appeal_day_not_open",
        "appeal_too_late",
        "appeal_too_late",
    ]
    assert {r.status_code for r in (open_window, second, not_yet, too_late, late_accept)} == {409}
    assert second.get_json()["appeal_id"] == first.get_json()["id"]
