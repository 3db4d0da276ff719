"""Communities: browse, read, and join through the entry threshold the organizer set."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import CommunityMembership, MembershipStatus, RestDay
from tests.factories import make_challenge, make_community, make_enrollment, text_fields
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, log_in, post_form, text_of


def _membership(session, community, member):
    return session.scalar(
        select(CommunityMembership).where(
            CommunityMembership.community_id == community.id, CommunityMembership.member_id == member.id
        )
    )


def test_signed_in_members_browse_communities_and_members_see_their_challenges(client, session, world):
    """SPEC "Who sees what": visitors log in first; any signed-in member reads a community's
    description and entry rules; its challenges are for its members (one click, when it is open)."""
    assert client.get("/communities").headers["Location"].startswith("/login")
    log_in(client, world.outsider)
    listing = text_of(client.get("/communities"))
    assert "Sunrise Club" in listing and "3 members" in listing  # the organizer and two members
    detail = text_of(client.get(f"/communities/{world.community.id}"))
    assert "We rise early." in detail and "Rise by seven" not in detail and "join it to see them" in detail
    post_form(
        client, f"/communities/{world.community.id}/join", form_page=f"/communities/{world.community.id}"
    )
    assert "Rise by seven" in text_of(client.get(f"/communities/{world.community.id}"))


def test_the_list_shows_the_newest_communities_first(client, session, world):
    """People look for the community they were just told about: newest first, "Older" beyond."""
    names = [make_community(session, name=f"Club {n:02d}").name for n in range(25)]
    log_in(client, world.outsider)
    first, second = text_of(client.get("/communities")), text_of(client.get("/communities?page=2"))
    assert "Club 24" in first and "Club 05" in first and "Club 04" not in first
    assert "Older" in first and "Club 04" in second and names[0] in second


def test_joining_by_invitation_needs_the_code_and_the_answers(client, session, world):
    club = make_community(
        session,
        world.organizer,
        name="Night readers",
        invite_code="OWL-42",
        entry_form=text_fields("Your city?"),
    )
    log_in(client, world.outsider)
    page = client.get(f"/communities/{club.id}")
    assert "Invite code" in text_of(page) and "Your city?" in text_of(page)
    token = csrf_token(page.data)
    response = client.post(
        f"/communities/{club.id}/join",
        data={"csrf_token": token, "invite_code": "nope", "form-your_city": ""},
    )
    refused = text_of(response)  # the page again, each unmet rule on its box (tests/web/test_form_errors.py)
    assert response.status_code == 422
    assert "The invite code is missing or not right." in refused
    assert _membership(session, club, world.outsider) is None
    client.post(
        f"/communities/{club.id}/join",
        data={"csrf_token": token, "invite_code": "OWL-42", "form-your_city": "Hangzhou"},
    )
    joined = _membership(session, club, world.outsider)
    assert joined.status == MembershipStatus.ACTIVE and joined.answers == {"your_city": "Hangzhou"}
    assert "Welcome to Night readers!" in text_of(client.get(f"/communities/{club.id}"))


def test_a_community_with_approval_puts_the_member_on_hold(client, session, world):
    club = make_community(session, world.organizer, name="Core group", approval=True)
    log_in(client, world.outsider)
    token = csrf_token(client.get(f"/communities/{club.id}").data)
    client.post(f"/communities/{club.id}/join", data={"csrf_token": token})
    assert _membership(session, club, world.outsider).status == MembershipStatus.PENDING
    assert "Waiting for approval" in text_of(client.get(f"/communities/{club.id}"))


def test_joining_a_challenge_of_a_gated_community_sends_the_member_there_first(client, session, world):
    club = make_community(session, world.organizer, name="Gated", invite_code="SECRET")
    challenge = make_challenge(session, club)
    with travel(challenge.day_zero_opens_at - timedelta(days=2)):
        log_in(client, world.outsider)
        assert client.get(f"/challenges/{challenge.id}").status_code == 404  # not a member: not shown
        page = client.get(f"/communities/{club.id}")
        response = client.post(f"/challenges/{challenge.id}/join", data={"csrf_token": csrf_token(page.data)})
        assert response.headers["Location"] == f"/communities/{club.id}"
        assert "join it first" in text_of(client.get(response.headers["Location"]))


def test_a_member_declares_a_rest_day_before_its_window(client, session, world):
    relaxed = make_challenge(session, world.community, rest_days=1)
    enrollment = make_enrollment(session, relaxed, world.bystander, status=EnrollmentStatus.ACTIVE)
    with travel(relaxed.day_zero_opens_at + timedelta(hours=1)):
        log_in(client, world.bystander)
        page = client.get(f"/enrollments/{enrollment.id}")
        assert "Take a rest day" in text_of(page) and "You have 1 rest day left." in text_of(page)
        client.post(
            f"/enrollments/{enrollment.id}/rest-days", data={"csrf_token": csrf_token(page.data), "day": "3"}
        )
        after = text_of(client.get(f"/enrollments/{enrollment.id}"))
    assert "Day 4 is a rest day: its stake comes back to you." in after
    assert "Take a rest day" not in after  # the allowance is used up
    rest = session.scalar(select(RestDay).where(RestDay.enrollment_id == enrollment.id))
    assert rest.day_index == 3
