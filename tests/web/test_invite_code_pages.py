"""Invite codes on the pages: failed joins are limited as in the API; the organizers read the
code, make a new one, and are told when the server replaced it."""

from __future__ import annotations

from datetime import UTC, datetime

from habits.domain import invite_codes
from tests.factories import add_to_community, make_community
from tests.web.helpers import csrf_token, log_in, post_form, text_of


def test_guessing_the_code_on_the_page_is_stopped_with_429(client, session, world):
    club = make_community(session, world.organizer, invite_code=invite_codes.new_code())
    log_in(client, world.outsider)
    token = csrf_token(client.get(f"/communities/{club.id}").data)
    statuses = [
        client.post(
            f"/communities/{club.id}/join", data={"csrf_token": token, "invite_code": f"GUESS{i:05d}"}
        ).status_code
        for i in range(30)
    ]
    assert statuses[:5] == [422] * 5 and set(statuses[5:]) == {429}


def test_organizers_are_told_their_code_was_replaced_until_they_dismiss_it(client, session, world):
    club = make_community(
        session,
        world.organizer,
        invite_code=invite_codes.new_code(),
        invite_code_replaced_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    add_to_community(session, club, world.member)
    shown = invite_codes.display(club.invite_code)
    log_in(client, world.member)
    assert shown not in text_of(client.get(f"/communities/{club.id}"))  # members never see it
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").data)})
    log_in(client, world.organizer)
    page = text_of(client.get(f"/communities/{club.id}"))
    assert f"Your invite code was replaced for security: the new code is {shown}" in page
    post_form(
        client,
        f"/communities/{club.id}/invite-code",
        {"action": "dismiss"},
        form_page=f"/communities/{club.id}",
    )
    page = text_of(client.get(f"/communities/{club.id}"))
    assert "replaced for security" not in page and shown in page
    session.refresh(club)
    assert club.invite_code_replaced_at is None


def test_an_organizer_makes_a_new_code_on_the_page(client, session, world):
    club = make_community(session, world.organizer, invite_code=invite_codes.new_code())
    old = club.invite_code
    log_in(client, world.organizer)
    post_form(
        client, f"/communities/{club.id}/invite-code", {"action": "new"}, form_page=f"/communities/{club.id}"
    )
    session.refresh(club)
    assert club.invite_code != old and len(club.invite_code) == invite_codes.LENGTH
    assert invite_codes.display(club.invite_code) in text_of(client.get(f"/communities/{club.id}"))


def test_a_member_cannot_make_a_new_code(client, session, world):
    club = make_community(session, world.organizer, invite_code=invite_codes.new_code())
    old = club.invite_code
    log_in(client, world.member)
    token = csrf_token(client.get("/").data)
    client.post(f"/communities/{club.id}/invite-code", data={"csrf_token": token, "action": "new"})
    session.refresh(club)
    assert club.invite_code == old
