"""Check-ins through the API: the window decides, one per day, evidence, photos, voiding,
today's status, the feed and the leaderboard."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import CheckIn
from habits.services.codewords import code_word
from habits.services.photos import PhotoStore
from tests import images
from tests.api.helpers import enrollment_row
from tests.factories import at_local, make_checkin, make_member
from tests.object_store import stored_names
from tests.timehelpers import travel

PNG = images.png()
JPEG = images.jpeg()
WEBP = images.webp()


def checkin_url(enrollment) -> str:
    return f"/api/v1/enrollments/{enrollment.id}/checkins"


def count_checkins(session) -> int:
    return session.scalar(select(func.count()).select_from(CheckIn))


def test_check_in_inside_the_window_records_the_day_by_the_server_clock(client, world):
    with travel(at_local(world.challenge, 2, "06:59")):
        response = client.post(
            checkin_url(world.owner_enrollment),
            json={"note": "up!", "value": 5.5},
            headers=world.as_("owner"),
        )
    assert response.status_code == 201
    body = response.get_json()
    assert body["day_index"] == 2
    assert body["checked_in_at"] == "2026-03-03T22:59:00Z"
    assert (body["note"], body["value"], body["counts_for_money"]) == ("up!", 5.5, True)


def test_the_201_body_is_the_check_in_as_read_back(client, world):
    """The tap's answer is built by hand on the hot path: it must say what reading it back says."""
    with travel(at_local(world.challenge, 2, "06:59")):
        created = client.post(
            checkin_url(world.owner_enrollment), json={"note": "up!"}, headers=world.as_("owner")
        )
        listed = client.get(checkin_url(world.owner_enrollment), headers=world.as_("owner"))
    assert created.status_code == 201 and created.mimetype == "application/json"
    body = created.get_json()
    # the new check-in's standing comes on top of the check-in itself
    assert (body.pop("rank_of_day"), body.pop("streak")) == (1, 1)
    assert listed.get_json()["items"] == [body]


def test_empty_body_is_a_plain_tap(client, world):
    with travel(at_local(world.challenge, 0, "05:00")):
        response = client.post(checkin_url(world.owner_enrollment), headers=world.as_("owner"))
    assert response.status_code == 201
    assert response.get_json()["day_index"] == 0


def test_outside_the_window_is_409_with_the_next_open(client, session, world):
    with travel(at_local(world.challenge, 1, "07:00")):
        response = client.post(checkin_url(world.owner_enrollment), json={}, headers=world.as_("owner"))
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.get_json()["next_window_opens_at"] == "2026-03-03T21:00:00Z"
    assert count_checkins(session) == 0


def test_second_check_in_on_the_same_day_is_409_and_keeps_the_first(client, session, world):
    with travel(at_local(world.challenge, 0, "05:10")):
        first = client.post(
            checkin_url(world.owner_enrollment), json={"note": "first"}, headers=world.as_("owner")
        )
    with travel(at_local(world.challenge, 0, "06:10")):
        second = client.post(
            checkin_url(world.owner_enrollment), json={"note": "second"}, headers=world.as_("owner")
        )
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.get_json()["day_index"] == 0
    notes = session.scalars(
        select(CheckIn.note).where(CheckIn.enrollment_id == world.owner_enrollment.id)
    ).all()
    assert notes == ["first"]


@pytest.mark.parametrize("status", [EnrollmentStatus.PENDING_PAYMENT, EnrollmentStatus.CANCELLED])
def test_no_check_in_without_a_paid_deposit(client, session, world, status):
    world.owner_enrollment.status = status
    session.commit()
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(checkin_url(world.owner_enrollment), json={}, headers=world.as_("owner"))
    assert response.status_code == 409
    assert response.get_json()["enrollment_status"] == status.value


@pytest.mark.parametrize("status", [EnrollmentStatus.ELIMINATED, EnrollmentStatus.WITHDRAWN])
def test_eliminated_and_withdrawn_members_check_in_for_streaks_not_money(client, session, world, status):
    world.owner_enrollment.status = status
    session.commit()
    with travel(at_local(world.challenge, 3, "05:30")):
        response = client.post(checkin_url(world.owner_enrollment), json={}, headers=world.as_("owner"))
    assert response.status_code == 201
    assert response.get_json()["counts_for_money"] is False


def test_code_word_is_shown_only_while_the_window_is_open(client, session, world):
    world.challenge.requires_code_word = True
    session.commit()
    today = f"/api/v1/enrollments/{world.owner_enrollment.id}/today"
    with travel(at_local(world.challenge, 1, "04:59")):
        before = client.get(today, headers=world.as_("owner")).get_json()
    with travel(at_local(world.challenge, 1, "05:00")):
        during = client.get(today, headers=world.as_("owner")).get_json()
    assert before["window_open"] is False and before["code_word"] is None
    assert before["day_index"] == 1 and before["next_window_opens_at"] == "2026-03-02T21:00:00Z"
    assert during["window_open"] is True and during["day_index"] == 1
    assert during["code_word"] == code_word(world.challenge.code_word_secret, 1)
    assert during["window_closes_at"] == "2026-03-02T23:00:00Z"


def test_code_word_must_be_in_the_note_unless_a_photo_shows_it(client, session, world):
    world.challenge.requires_code_word = True
    session.commit()
    word = code_word(world.challenge.code_word_secret, 2)
    with travel(at_local(world.challenge, 2, "05:30")):
        missing = client.post(
            checkin_url(world.owner_enrollment), json={"note": "awake"}, headers=world.as_("owner")
        )
        with_word = client.post(
            checkin_url(world.owner_enrollment),
            json={"note": f"Today: {word.upper()}!"},
            headers=world.as_("owner"),
        )
        with_photo = client.post(
            checkin_url(world.other_enrollment),
            data={"photo": (io.BytesIO(PNG), "x.png")},
            headers=world.as_("other"),
        )
    assert missing.status_code == 422
    assert "note" in missing.get_json()["errors"]
    assert with_word.status_code == 201
    assert with_photo.status_code == 201


@pytest.mark.parametrize(
    ("data", "content_type"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")]
)
def test_photo_is_stored_and_served_with_its_sniffed_type(client, world, data, content_type, photo_storage):
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(
            checkin_url(world.owner_enrollment),
            # the client's name and type lie: neither is trusted
            data={"photo": (io.BytesIO(data), "evil.html", "text/html"), "note": "look", "value": "3"},
            headers=world.as_("owner"),
        )
    assert response.status_code == 201
    body = response.get_json()
    assert body["has_photo"] is True and body["value"] == 3.0
    stored = stored_names(photo_storage)
    assert len(stored) == 1 and stored[0].startswith(f"{world.challenge.id}/")
    assert stored[0].endswith(
        {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}[content_type]
    )
    if isinstance(photo_storage, PhotoStore):
        assert not photo_storage.path(stored[0]).stat().st_mode & 0o111
    photo_url = f"/api/v1/checkins/{body['id']}/photo"
    served = client.get(photo_url, headers=world.as_("owner"))
    assert served.status_code == 200
    assert served.mimetype == content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(served.data)).format == Image.open(io.BytesIO(data)).format
    assert client.get(photo_url, headers=world.as_("organizer")).status_code == 200
    assert client.get(photo_url, headers=world.as_("co_organizer")).status_code == 200
    # a photo not marked private is the feed's: the challenge's participants see it (tests/api/test_feed.py)
    assert client.get(photo_url, headers=world.as_("other")).status_code == 200
    assert client.get(photo_url, headers=world.as_("outsider")).status_code == 404
    assert client.get(photo_url).status_code == 401


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\x00" * 32,
        b"<?php system($_GET['c']); ?>",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"#!/bin/sh\nrm -rf /\n",
        b"",
    ],
)
def test_a_photo_that_is_not_an_image_is_422_and_nothing_is_stored(
    client, session, world, data, photo_storage
):
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(
            checkin_url(world.owner_enrollment),
            data={"photo": (io.BytesIO(data), "photo.jpg", "image/jpeg")},
            headers=world.as_("owner"),
        )
    assert response.status_code == 422
    assert "photo" in response.get_json()["errors"]
    assert stored_names(photo_storage) == []
    assert count_checkins(session) == 0


def test_a_photo_over_the_limit_is_refused_and_not_stored(
    client, session, app, world, monkeypatch, photo_storage
):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 1024)
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(
            checkin_url(world.owner_enrollment),
            data={"photo": (io.BytesIO(PNG + b"\x00" * 2048), "big.png")},
            headers=world.as_("owner"),
        )
    assert response.status_code == 422
    assert stored_names(photo_storage) == []
    assert count_checkins(session) == 0


def test_a_duplicate_photo_check_in_leaves_no_orphan_file(client, world, photo_storage):
    with travel(at_local(world.challenge, 0, "05:30")):
        client.post(checkin_url(world.owner_enrollment), json={}, headers=world.as_("owner"))
        again = client.post(
            checkin_url(world.owner_enrollment),
            data={"photo": (io.BytesIO(PNG), "p.png")},
            headers=world.as_("owner"),
        )
    assert again.status_code == 409
    assert stored_names(photo_storage) == []


def test_a_challenge_that_asks_for_a_photo_refuses_a_check_in_without_one(client, session, world):
    world.challenge.requires_photo = True
    session.commit()
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(
            checkin_url(world.owner_enrollment), json={"note": "no photo"}, headers=world.as_("owner")
        )
    assert response.status_code == 422
    assert "photo" in response.get_json()["errors"]


def test_organizer_voids_until_the_day_is_due_then_409(client, session, world):
    checkin = make_checkin(session, world.owner_enrollment, 1)
    url = f"/api/v1/checkins/{checkin.id}/void"
    with travel(at_local(world.challenge, 1, "07:09")):  # due at 07:00 + 10 minutes review
        refused = client.post(url, json={"reason": "fake"}, headers=world.as_("owner"))
        voided = client.post(url, json={"reason": "photo from yesterday"}, headers=world.as_("co_organizer"))
    assert refused.status_code == 403
    assert voided.status_code == 200
    assert voided.get_json()["void_reason"] == "photo from yesterday"
    late_checkin = make_checkin(session, world.other_enrollment, 1)
    with travel(at_local(world.challenge, 1, "07:10")):
        too_late = client.post(
            f"/api/v1/checkins/{late_checkin.id}/void",
            json={"reason": "late"},
            headers=world.as_("organizer"),
        )
    assert too_late.status_code == 409
    assert too_late.get_json()["due_at"] == "2026-03-02T23:10:00Z"


def test_void_needs_a_reason(client, session, world):
    checkin = make_checkin(session, world.owner_enrollment, 1)
    with travel(at_local(world.challenge, 1, "06:00")):
        response = client.post(
            f"/api/v1/checkins/{checkin.id}/void", json={"reason": "  "}, headers=world.as_("organizer")
        )
    assert response.status_code == 422
    assert "reason" in response.get_json()["errors"]


def test_check_in_rate_limit_is_per_member(client, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_CHECKIN", "2/minute")
    with travel(at_local(world.challenge, 0, "05:30")):
        codes = [
            client.post(checkin_url(world.owner_enrollment), json={}, headers=world.as_("owner")).status_code
            for _ in range(3)
        ]
        other = client.post(checkin_url(world.other_enrollment), json={}, headers=world.as_("other"))
    assert codes == [201, 409, 429]
    assert other.status_code == 201


def test_leaderboard_orders_by_counted_check_ins_then_streak_then_join_order(client, session, world):
    third = make_member(session, display_name="Third")
    from habits.models import Role
    from tests.factories import add_to_community

    add_to_community(session, world.community, third, Role.MEMBER)
    third_enrollment = enrollment_row(session, world.challenge, third)
    for day in (0, 1, 2):
        make_checkin(session, world.other_enrollment, day)
    for day in (0, 2):
        make_checkin(session, world.owner_enrollment, day)
    for day in (1, 2):
        make_checkin(session, third_enrollment, day)
    voided = make_checkin(session, third_enrollment, 0)
    voided.voided_at = voided.checked_in_at
    session.commit()
    with travel(at_local(world.challenge, 3, "05:30")):  # day 3 open, nobody checked in yet
        body = client.get(
            f"/api/v1/challenges/{world.challenge.id}/leaderboard", headers=world.as_("owner")
        ).get_json()
    ranking = [(item["member"]["display_name"], item["check_ins"], item["streak"]) for item in body["items"]]
    assert ranking == [("Other", 3, 3), ("Third", 2, 2), ("Owner", 2, 1)]
    assert [item["rank"] for item in body["items"]] == [1, 2, 3]
    assert body["total"] == 3


def test_leaderboard_and_feed_are_for_participants_and_organizers(client, world):
    for path in ("leaderboard", "checkins"):
        url = f"/api/v1/challenges/{world.challenge.id}/{path}"
        assert client.get(url, headers=world.as_("outsider")).status_code == 404
        assert client.get(url, headers=world.as_("other")).status_code == 200
        assert client.get(url, headers=world.as_("co_organizer")).status_code == 200


def test_feed_shows_who_showed_up_latest_first(client, session, world):
    make_checkin(session, world.owner_enrollment, 0)
    make_checkin(session, world.other_enrollment, 1)
    body = client.get(
        f"/api/v1/challenges/{world.challenge.id}/checkins", headers=world.as_("owner")
    ).get_json()
    assert [item["member"]["display_name"] for item in body["items"]] == ["Other", "Owner"]
