"""Communities: creating, browsing, joining with entry rules, leaving, roles."""

from __future__ import annotations

import pytest

from habits.models import CommunityMembership, MembershipStatus, Role
from tests.api.helpers import auth_headers
from tests.factories import make_community, make_member, text_fields


def test_creator_becomes_organizer_and_sees_the_invite_code(client, session):
    member = make_member(session)
    headers = auth_headers(session, member)
    body = {
        "name": "Dawn Club",
        "theme": "early-rise",
        "description": "Up with the sun",
        "rules_text": "05:00-07:00",
        "entry": {"invite_only": True, "form": [{"key": "city", "label": "Which city?", "kind": "text"}]},
    }
    response = client.post("/api/v1/communities", json=body, headers=headers)
    assert response.status_code == 201
    community = response.get_json()
    assert community["my_role"] == "organizer"
    assert community["organizer_id"] == member.id
    assert (
        len(community["entry"]["invite_code"]) >= 8 and community["entry"]["invite_code_replaced_at"] is None
    )
    assert community["entry"]["invite_only"] is True
    assert community["entry"]["form"] == [
        {"key": "city", "label": "Which city?", "kind": "text", "required": False}
    ]
    assert community["member_count"] == 1
    stranger = auth_headers(session, make_member(session))
    seen = client.get(f"/api/v1/communities/{community['id']}", headers=stranger).get_json()
    assert seen["entry"]["invite_code"] is None and seen["my_role"] is None and seen["entry"]["invite_only"]


@pytest.mark.parametrize("theme", ["early-rise", "running", "reading", "custom"])
def test_every_theme_is_accepted(client, session, theme):
    headers = auth_headers(session, make_member(session))
    response = client.post("/api/v1/communities", json={"name": "X", "theme": theme}, headers=headers)
    assert response.status_code == 201
    assert response.get_json()["theme"] == theme


def test_unknown_theme_is_422_on_the_field(client, session):
    headers = auth_headers(session, make_member(session))
    response = client.post("/api/v1/communities", json={"name": "X", "theme": "knitting"}, headers=headers)
    assert response.status_code == 422
    assert "theme" in response.get_json()["errors"]


def test_browse_is_paginated_stable_and_counts_the_total(client, session):
    headers = auth_headers(session, make_member(session))
    before = client.get("/api/v1/communities?per_page=1", headers=headers).get_json()["total"]
    created = [make_community(session, name=f"C{i}").id for i in range(3)]
    first = client.get(f"/api/v1/communities?per_page=2&page={(before // 2) + 1}", headers=headers).get_json()
    assert first["total"] == before + 3
    everything = []
    page = 1
    while True:
        body = client.get(f"/api/v1/communities?per_page=2&page={page}", headers=headers).get_json()
        if not body["items"]:
            break
        everything += [item["id"] for item in body["items"]]
        page += 1
    assert everything == sorted(everything)
    assert set(created) <= set(everything)


def test_join_an_open_community_and_leave_it(client, session):
    community = make_community(session)
    member = make_member(session)
    headers = auth_headers(session, member)
    joined = client.post(f"/api/v1/communities/{community.id}/members", json={}, headers=headers)
    assert joined.status_code == 201
    assert joined.get_json()["role"] == "member"
    assert joined.get_json()["status"] == "active"
    again = client.post(f"/api/v1/communities/{community.id}/members", json={}, headers=headers)
    assert again.status_code == 201
    left = client.delete(f"/api/v1/communities/{community.id}/members/{member.id}", headers=headers)
    assert left.status_code == 204
    membership = (
        session.query(CommunityMembership).filter_by(community_id=community.id, member_id=member.id).one()
    )
    assert membership.status == MembershipStatus.LEFT


def test_invite_code_and_answers_are_required_when_the_community_asks(client, session):
    community = make_community(session, invite_code="LETMEIN", entry_form=text_fields("City?", "Goal?"))
    headers = auth_headers(session, make_member(session))
    url = f"/api/v1/communities/{community.id}/members"
    refused = client.post(
        url, json={"invite_code": "wrong", "form_answers": {"city": "Paris"}}, headers=headers
    )
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {"invite_code"}
    unanswered = client.post(
        url, json={"invite_code": "letmein", "form_answers": {"city": "Paris"}}, headers=headers
    )
    assert unanswered.status_code == 422
    assert set(unanswered.get_json()["errors"]) == {"form_answers.goal"}
    accepted = client.post(
        url,
        json={"invite_code": "letmein", "form_answers": {"city": "Paris", "goal": "Run 5k"}},
        headers=headers,
    )
    assert accepted.status_code == 201


def test_approval_keeps_a_member_pending_until_an_organizer_approves(client, session):
    organizer = make_member(session)
    community = make_community(session, organizer, approval=True)
    member = make_member(session)
    joined = client.post(
        f"/api/v1/communities/{community.id}/members", json={}, headers=auth_headers(session, member)
    )
    assert joined.get_json()["status"] == "pending"
    approved = client.patch(
        f"/api/v1/communities/{community.id}/members/{member.id}",
        json={"approve": True},
        headers=auth_headers(session, organizer),
    )
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "active"


def test_organizer_adds_a_co_organizer_who_cannot_add_another(client, session):
    organizer, co, plain = make_member(session), make_member(session), make_member(session)
    community = make_community(session, organizer)
    for member in (co, plain):
        client.post(
            f"/api/v1/communities/{community.id}/members", json={}, headers=auth_headers(session, member)
        )
    made = client.patch(
        f"/api/v1/communities/{community.id}/members/{co.id}",
        json={"role": "co-organizer"},
        headers=auth_headers(session, organizer),
    )
    assert made.status_code == 200
    assert made.get_json()["role"] == "co-organizer"
    refused = client.patch(
        f"/api/v1/communities/{community.id}/members/{plain.id}",
        json={"role": "co-organizer"},
        headers=auth_headers(session, co),
    )
    assert refused.status_code == 403
    core = client.patch(
        f"/api/v1/communities/{community.id}/members/{plain.id}",
        json={"role": "core-member"},
        headers=auth_headers(session, co),
    )
    assert core.get_json()["role"] == "core-member"


def test_nobody_can_make_someone_organizer_and_the_organizer_cannot_leave(client, session):
    organizer, member = make_member(session), make_member(session)
    community = make_community(session, organizer)
    client.post(f"/api/v1/communities/{community.id}/members", json={}, headers=auth_headers(session, member))
    headers = auth_headers(session, organizer)
    promote = client.patch(
        f"/api/v1/communities/{community.id}/members/{member.id}", json={"role": "organizer"}, headers=headers
    )
    assert promote.status_code == 422
    leave = client.delete(f"/api/v1/communities/{community.id}/members/{organizer.id}", headers=headers)
    assert leave.status_code == 409


def test_member_list_is_for_members_only(client, session):
    community = make_community(session)
    outsider = auth_headers(session, make_member(session))
    assert client.get(f"/api/v1/communities/{community.id}/members", headers=outsider).status_code == 404
    organizer = auth_headers(session, session.get(type(make_member(session)), community.organizer_id))
    listed = client.get(f"/api/v1/communities/{community.id}/members", headers=organizer).get_json()
    assert listed["total"] == 1
    assert listed["items"][0]["role"] == Role.ORGANIZER.value


def test_unknown_community_is_404(client, session):
    headers = auth_headers(session, make_member(session))
    response = client.get("/api/v1/communities/999999", headers=headers)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
