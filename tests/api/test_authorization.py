"""Who may do what: every route of the API x {owner, another member, organizer, co-organizer,
outsider, anonymous}. The world's clock stands in day 0's open window (before the day is due).

404 for another member's private object (an enrollment, its check-ins) and for what SPEC's "Who
sees what" hides from the caller (an outsider does not see a community's challenges), 403 for an
object the caller sees but may not change, 401 for anonymous callers everywhere. The full read
matrix of that rule is tests/test_who_sees_what.py.
Joining the world's open community's challenge joins the community too (the outsider).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from habits.services.photos import PhotoStore, accept_photo
from tests import images
from tests.factories import at_local, make_checkin
from tests.timehelpers import travel

ROLES = ("owner", "other", "organizer", "co_organizer", "outsider", "anonymous")
EVERYONE = {role: 200 for role in ROLES if role != "anonymous"}
PNG = images.png()


def only(allowed: dict[str, int], otherwise: int) -> dict[str, int]:
    return {role: allowed.get(role, otherwise) for role in ROLES if role != "anonymous"}


def new_challenge_rules() -> dict:
    return {
        "title": "April",
        "timezone": "Europe/London",
        "start_date": "2026-04-01",
        "days": 10,
        "window_open": "06:00",
        "window_close": "08:00",
        "deposit_minor": 1000,
        "currency": "GBP",
    }


# name, method, path template, JSON body, expected status by role (anonymous is always 401)
ROUTES = [
    ("me", "GET", "/api/v1/me", None, EVERYONE),
    ("update me", "PATCH", "/api/v1/me", {"display_name": "New"}, EVERYONE),
    (
        "change password",
        "POST",
        "/api/v1/me/password",
        {"current_password": "x", "new_password": "y" * 8},
        dict.fromkeys(EVERYONE, 422),
    ),
    ("log out", "DELETE", "/api/v1/auth/tokens/current", None, dict.fromkeys(EVERYONE, 204)),
    ("browse communities", "GET", "/api/v1/communities", None, EVERYONE),
    (
        "create community",
        "POST",
        "/api/v1/communities",
        {"name": "N", "theme": "reading"},
        dict.fromkeys(EVERYONE, 201),
    ),
    ("read community", "GET", "/api/v1/communities/{community}", None, EVERYONE),
    (
        "edit community",
        "PATCH",
        "/api/v1/communities/{community}",
        {"description": "d"},
        only({"organizer": 200, "co_organizer": 200}, 403),
    ),
    (
        "list members",
        "GET",
        "/api/v1/communities/{community}/members",
        None,
        only({}, 200) | {"outsider": 404},
    ),
    ("join community", "POST", "/api/v1/communities/{community}/members", {}, dict.fromkeys(EVERYONE, 201)),
    (
        "change a role",
        "PATCH",
        "/api/v1/communities/{community}/members/{owner_member}",
        {"role": "core-member"},
        only({"organizer": 200, "co_organizer": 200}, 403),
    ),
    (
        "remove a member",
        "DELETE",
        "/api/v1/communities/{community}/members/{other_member}",
        None,
        only({"organizer": 204, "co_organizer": 204, "other": 204}, 403),
    ),
    (
        "list challenges",
        "GET",
        "/api/v1/communities/{community}/challenges",
        None,
        only({}, 200) | {"outsider": 404},
    ),
    (
        "launch challenge",
        "POST",
        "/api/v1/communities/{community}/challenges",
        new_challenge_rules(),
        only({"organizer": 201, "co_organizer": 201}, 403),
    ),
    ("read challenge", "GET", "/api/v1/challenges/{challenge}", None, only({}, 200) | {"outsider": 404}),
    (
        "edit challenge",
        "PATCH",
        "/api/v1/challenges/{challenge}",
        {"title": "T"},
        only({"organizer": 200, "co_organizer": 200}, 403) | {"outsider": 404},
    ),
    (
        "join challenge",
        "POST",
        "/api/v1/challenges/{challenge}/enrollments",
        {},
        {"owner": 409, "other": 409, "organizer": 201, "co_organizer": 201, "outsider": 201},
    ),
    ("my enrollments", "GET", "/api/v1/me/enrollments", None, EVERYONE),
    ("read enrollment", "GET", "/api/v1/enrollments/{enrollment}", None, only({"owner": 200}, 404)),
    ("today", "GET", "/api/v1/enrollments/{enrollment}/today", None, only({"owner": 200}, 404)),
    (
        "check in",
        "POST",
        "/api/v1/enrollments/{enrollment}/checkins",
        {"note": "hi"},
        only({"owner": 201}, 404),
    ),
    ("list check-ins", "GET", "/api/v1/enrollments/{enrollment}/checkins", None, only({"owner": 200}, 404)),
    ("withdraw", "POST", "/api/v1/enrollments/{enrollment}/withdrawal", None, only({"owner": 200}, 404)),
    (
        "photo",
        "GET",
        "/api/v1/checkins/{photo_checkin}/photo",
        None,
        # not marked private: the feed's readers see it (private photos: tests/api/test_feed.py)
        only({"owner": 200, "other": 200, "organizer": 200, "co_organizer": 200}, 404),
    ),
    (
        "void",
        "POST",
        "/api/v1/checkins/{checkin}/void",
        {"reason": "r"},
        only({"organizer": 200, "co_organizer": 200}, 403),
    ),
    ("feed", "GET", "/api/v1/challenges/{challenge}/checkins", None, only({}, 200) | {"outsider": 404}),
    (
        "leaderboard",
        "GET",
        "/api/v1/challenges/{challenge}/leaderboard",
        None,
        only({}, 200) | {"outsider": 404},
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [pytest.param(method, path, body, expected, id=name) for name, method, path, body, expected in ROUTES],
)
def test_authorization_matrix(client, session, app, world, method, path, body, expected):
    """One world per route; each role calls it in turn (roles only touch their own token, and
    the routes that change something are idempotent or refused for the roles that follow)."""
    day_one = world.challenge
    checkin = make_checkin(session, world.owner_enrollment, 1, at=at_local(day_one, 1, "05:10"))
    photo_checkin = make_checkin(
        session,
        world.owner_enrollment,
        2,
        at=at_local(day_one, 2, "05:10"),
        photo_path=PhotoStore(Path(app.instance_path) / "photos").save(
            day_one.id, accept_photo(PNG, max_bytes=1024)
        ),
        photo_content_type="image/png",
    )
    url = path.format(
        community=world.community.id,
        challenge=world.challenge.id,
        enrollment=world.owner_enrollment.id,
        owner_member=world.owner.id,
        other_member=world.other.id,
        checkin=checkin.id,
        photo_checkin=photo_checkin.id,
    )
    before_start = method == "POST" and path.endswith(("/challenges", "/enrollments"))
    # day 1's window is open and the day not yet due; launching and joining happen before day 0
    now = datetime(2026, 3, 1, 12, tzinfo=UTC) if before_start else at_local(day_one, 1, "05:30")
    if path.endswith("/checkins") and method == "POST":
        now = at_local(day_one, 0, "05:30")
    actual, problems = {}, {}
    with travel(now):
        # anonymous first: nothing it does may change what the others see
        for role in ("anonymous", *[r for r in ROLES if r != "anonymous"]):
            response = client.open(url, method=method, json=body, headers=world.as_(role))
            actual[role] = response.status_code
            if response.status_code >= 400:
                problems[role] = response.content_type
    assert actual == {role: expected.get(role, 401) for role in actual}
    assert set(problems.values()) <= {"application/problem+json"}
