"""GET /api/v1/me/progress and /api/v1/members/{id}/progress: the streaks, level and badges of
a worked week, and who may read them (SPEC "Who sees what": within the challenges one takes
part in or whose community one organizes; 404 otherwise)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from habits.models import CommunityMembership, MembershipStatus, Role
from tests.api.helpers import auth_headers
from tests.factories import (
    at_local,
    make_challenge,
    make_checkin,
    make_community,
    make_enrollment,
    make_member,
)
from tests.progress.test_badges import enroll, settle
from tests.timehelpers import travel


@pytest.fixture
def week(session):
    """Ana checks in on days 0-2 of Sunrise, misses day 3, checks in on day 4; day 5 is open
    and she has not checked in yet. Bo takes part in Sunrise; Cy only in another community's
    challenge with Ana; Di organizes Sunrise's community; Ed is a plain member of it."""
    organizer = make_member(session, display_name="Di")
    community = make_community(session, organizer, name="Early birds")
    sunrise = make_challenge(session, community, title="Sunrise", days=7, max_misses=3)
    elsewhere = make_challenge(session, title="Elsewhere", days=7)
    ana, bo, cy, ed = (make_member(session, display_name=name) for name in ("Ana", "Bo", "Cy", "Ed"))
    e_ana, _ = enroll(session, sunrise, ana, bo)
    enroll(session, elsewhere, ana, cy)
    session.add(
        CommunityMembership(
            community_id=community.id,
            member_id=ed.id,
            role=Role.MEMBER,
            status=MembershipStatus.ACTIVE,
            joined_at=sunrise.created_at,
            answers=[],
        )
    )
    session.commit()
    for k in (0, 1, 2, 4):
        make_checkin(session, e_ana, k, at=at_local(sunrise, k, "05:05"))
    for k in range(5):
        settle(session, sunrise, k)
    return {
        "sunrise": sunrise,
        "elsewhere": elsewhere,
        "ana": ana,
        "bo": bo,
        "cy": cy,
        "di": organizer,
        "ed": ed,
    }


def _get(client, session, viewer, path, now):
    with travel(now):
        return client.get(
            path, headers=auth_headers(session, viewer, now=datetime(2026, 1, 1, tzinfo=UTC), ttl_days=400)
        )


def test_my_progress_worked_week(client, session, week):
    sunrise = week["sunrise"]
    response = _get(client, session, week["ana"], "/api/v1/me/progress", at_local(sunrise, 5, "05:30"))
    assert response.status_code == 200
    body = response.get_json()
    by_title = {c["challenge"]["title"]: c for c in body["challenges"]}
    # day 5 open and unchecked: the run of day 4 stands; the best was days 0-2
    assert by_title["Sunrise"]["streak"] == {"current": 1, "best": 3}
    assert by_title["Sunrise"]["valid_check_ins"] == 4
    assert by_title["Elsewhere"]["streak"] == {"current": 0, "best": 0}
    assert body["level"] == {"number": 2, "name": "Starter", "valid_check_ins": 4, "next_at": 7}
    kinds = sorted(b["kind"] for b in body["badges"])
    # earliest of days 0, 1, 2 and 4 (Bo never checked in), first check-in, comeback on day 4
    assert kinds == sorted(["first_check_in", "comeback"] + ["earliest_riser", "top_three"] * 4)
    communities = {c["community"]["name"]: c["streak"] for c in body["communities"]}
    assert communities["Early birds"] == {"current": 1, "best": 3}
    assert body["finished_challenge_ids"] == []


def test_another_members_progress_within_the_challenges_one_shares(client, session, week):
    ana, now = week["ana"], at_local(week["sunrise"], 5, "05:30")
    path = f"/api/v1/members/{ana.id}/progress"
    seen = {}
    for name in ("bo", "cy", "di"):
        response = _get(client, session, week[name], path, now)
        assert response.status_code == 200, name
        body = response.get_json()
        seen[name] = {c["challenge"]["title"] for c in body["challenges"]}
        assert {b["challenge"]["title"] for b in body["badges"]} <= seen[name]
    assert seen == {"bo": {"Sunrise"}, "cy": {"Elsewhere"}, "di": {"Sunrise"}}


@pytest.mark.parametrize("viewer", ["ed", "outsider"])
def test_progress_of_someone_one_shares_no_challenge_with_is_not_found(client, session, week, viewer):
    someone = week["ed"] if viewer == "ed" else make_member(session)
    now = at_local(week["sunrise"], 5, "05:30")
    response = _get(client, session, someone, f"/api/v1/members/{week['ana'].id}/progress", now)
    assert response.status_code == 404
    assert _get(client, session, someone, "/api/v1/members/999999/progress", now).status_code == 404
    assert (
        _get(client, session, someone, f"/api/v1/members/{week['ana'].id}/progress", now).status_code == 404
    )


def test_progress_needs_a_token(client, session, week):
    assert client.get("/api/v1/me/progress").status_code == 401
    assert client.get(f"/api/v1/members/{week['ana'].id}/progress").status_code == 401


def test_a_finished_challenge_is_listed(client, session):
    ch = make_challenge(session, days=2, title="Two days")
    m = make_member(session)
    with travel(at_local(ch, -1, "12:00")):
        e = make_enrollment(session, ch, m, status="active")
    for k in range(2):
        make_checkin(session, e, k, at=at_local(ch, k, "05:05"))
        settle(session, ch, k)
    body = _get(client, session, m, "/api/v1/me/progress", at_local(ch, 3, "12:00")).get_json()
    assert body["finished_challenge_ids"] == [ch.id]
    assert "perfect_challenge" in {b["kind"] for b in body["badges"]}
