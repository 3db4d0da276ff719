"""The entry pages: joining with a quiz and a form (kept on refusal), the organizers' editor,
approval queue and member list, and the invite link with its QR code. Bad input never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from habits.models import CommunityMembership, MembershipStatus, MemberTag
from tests.factories import add_to_community, make_community, make_member
from tests.web.helpers import log_in, post_form, text_of

QUIZ = {
    "questions": [{"text": "When do we check in?", "choices": ["Any time", "In the window"], "answer": 1}],
    "pass_mark": 1,
}
FORM = [
    {"key": "city", "label": "Your city", "kind": "text", "required": True},
    {"key": "band", "label": "Age band", "kind": "choice", "choices": ["18-29", "30+"], "required": True},
    {"key": "km", "label": "Km a week", "kind": "number", "min": 0, "max": 200, "required": False},
]


@pytest.fixture
def club(session, world):
    return make_community(
        session, world.organizer, name="Larks", entry_quiz=QUIZ, entry_form=FORM, approval=True
    )


def _membership(session, club, member):
    return session.scalar(
        select(CommunityMembership).where(
            CommunityMembership.community_id == club.id, CommunityMembership.member_id == member.id
        )
    )


def test_the_join_form_keeps_what_was_typed_and_marks_each_problem(client, session, world, club):
    log_in(client, world.outsider)
    page = text_of(client.get(f"/communities/{club.id}"))
    assert "When do we check in?" in page and "Age band" in page and "In the window" in page
    url = f"/communities/{club.id}/join"
    response = post_form(
        client,
        url,
        {"form-city": "Berlin", "form-band": "99+", "form-km": "lots"},
        form_page=f"/communities/{club.id}",
    )
    refused = text_of(response)
    assert response.status_code == 422
    assert 'value="Berlin"' in refused and 'value="lots"' in refused
    assert "Pick one of the choices." in refused and "Enter a number." in refused
    assert (
        "Pick one of the question&#39;s choices." in refused
        or "Pick one of the question's choices." in refused
    )
    assert 'href="#form-band-0"' in refused and 'href="#quiz-0-0"' in refused
    wrong = post_form(
        client,
        url,
        {"form-city": "Berlin", "form-band": "30+", "quiz-0": "0"},
        form_page=f"/communities/{club.id}",
    )
    assert wrong.status_code == 422 and "0 right, 1 needed to pass." in text_of(wrong)
    assert 'value="30+" checked' in text_of(wrong)
    joined = post_form(
        client,
        url,
        {"form-city": "Berlin", "form-band": "30+", "quiz-0": "1"},
        form_page=f"/communities/{club.id}",
    )
    assert joined.status_code == 302
    membership = _membership(session, club, world.outsider)
    assert membership.status == MembershipStatus.PENDING and membership.answers == {
        "city": "Berlin",
        "band": "30+",
    }
    tags = session.scalars(select(MemberTag.tag).where(MemberTag.member_id == world.outsider.id)).all()
    assert sorted(tags) == ["band:30+", "city:Berlin"]


@pytest.mark.parametrize("quiz", ["", "abc", "99999999999", "-1", "1e3"])
def test_nonsense_quiz_answers_are_a_friendly_422(client, session, world, club, quiz):
    log_in(client, world.outsider)
    response = post_form(
        client,
        f"/communities/{club.id}/join",
        {"form-city": "x" * 900, "form-band": "30+", "quiz-0": quiz},
        form_page=f"/communities/{club.id}",
    )
    assert response.status_code == 422


def test_the_invite_link_fills_in_the_code(client, session, world):
    club = make_community(session, world.organizer, name="Owls", invite_code="ABCDEFGHJK")
    log_in(client, world.outsider)
    assert 'value="XYZ"' in text_of(client.get(f"/communities/{club.id}?invite=XYZ"))


def test_the_organizer_edits_the_quiz_and_the_form(client, session, world):
    club = make_community(session, world.organizer, name="Owls")
    log_in(client, world.organizer)
    url = f"/communities/{club.id}/entry"
    data = {
        "invite_quota": "5",
        "approval": "y",
        "q-0-text": "Rest days a week?",
        "q-0-choices": "None\nOne\n",
        "q-0-answer": "2",
        "pass_mark": "1",
        "f-0-label": "Your city",
        "f-0-key": "",
        "f-0-kind": "text",
        "f-0-required": "y",
        "f-1-label": "Age band",
        "f-1-key": "band",
        "f-1-kind": "choice",
        "f-1-choices": "18-29\n30+",
        "f-2-label": "",
    }
    saved = post_form(client, url, data)
    assert saved.status_code == 302
    session.refresh(club)
    assert club.entry_quiz == {
        "questions": [{"text": "Rest days a week?", "choices": ["None", "One"], "answer": 1}],
        "pass_mark": 1,
    }
    assert [(f["key"], f["kind"], f["required"]) for f in club.entry_form] == [
        ("your_city", "text", True),
        ("band", "choice", False),
    ]
    assert (club.approval, club.invite_quota, club.invite_only) == (True, 5, False)
    page = text_of(client.get(url))
    assert "Rest days a week?" in page and 'value="band"' in page


@pytest.mark.parametrize(
    ("changes", "box"),
    [
        ({"q-0-answer": "7"}, "q-0-answer"),
        ({"q-0-choices": "Only one"}, "q-0-choices"),
        ({"pass_mark": "3"}, "pass_mark"),
        ({"pass_mark": "many"}, "pass_mark"),
        ({"invite_quota": "-4"}, "invite_quota"),
        ({"f-0-kind": "choice", "f-0-choices": ""}, "f-0-choices"),
        ({"f-0-kind": "number", "f-0-min": "ten"}, "f-0-min"),
        ({"f-0-kind": "number", "f-0-min": "10", "f-0-max": "1"}, "f-0-max"),
        ({"f-0-key": "Bad Key"}, "f-0-key"),
        ({"f-0-kind": "date"}, None),
    ],
)
def test_a_broken_quiz_or_form_is_shown_again_with_the_problem_on_its_box(
    client, session, world, changes, box
):
    club = make_community(session, world.organizer, name="Owls")
    log_in(client, world.organizer)
    data = {
        "invite_quota": "5",
        "q-0-text": "Rest days?",
        "q-0-choices": "None\nOne",
        "q-0-answer": "1",
        "pass_mark": "1",
        "f-0-label": "Your city",
        "f-0-kind": "text",
        **changes,
    }
    response = post_form(client, f"/communities/{club.id}/entry", data)
    if box is None:  # an unknown kind is read as text
        assert response.status_code == 302
        return
    page = text_of(response)
    assert response.status_code == 422
    assert f'href="#{box}"' in page and f'id="{box}-error"' in page
    assert 'value="Your city"' in page  # what was typed stays


def test_the_approval_queue_filters_by_tag_and_answer_and_approves(client, session, world, club):
    berliner, lisboeta = make_member(session, display_name="Bea"), make_member(session, display_name="Lu")
    for member, city in ((berliner, "Berlin"), (lisboeta, "Lisbon")):
        session.add(
            CommunityMembership(
                community_id=club.id,
                member_id=member.id,
                status=MembershipStatus.PENDING,
                answers={"city": city},
                joined_at=club.created_at,
            )
        )
        session.add(MemberTag(community_id=club.id, member_id=member.id, tag=f"city:{city}"))
    session.commit()
    log_in(client, world.organizer)
    url = f"/communities/{club.id}/requests"
    both = text_of(client.get(url))
    assert "Bea" in both and "Lu" in both and "Your city" in both
    by_tag = text_of(client.get(f"{url}?tag=city:Berlin"))
    assert "Bea" in by_tag and "Lu" not in by_tag
    by_answer = text_of(client.get(f"{url}?answer=lisb"))
    assert "Lu" in by_answer and "Bea" not in by_answer
    approved = post_form(client, f"{url}/{berliner.id}", {"action": "approve"}, form_page=url)
    assert approved.status_code == 302
    assert _membership(session, club, berliner).status == MembershipStatus.ACTIVE
    post_form(client, f"{url}/{lisboeta.id}", {"action": "decline"}, form_page=url)
    assert _membership(session, club, lisboeta).status == MembershipStatus.LEFT
    assert client.get(f"{url}?tag={'x' * 500}&answer={'%25_' * 50}").status_code == 200
    assert client.get(f"{url}?answer=%00").status_code == 400  # the app's bounds on every request


def test_the_member_list_filters_by_tag_status_and_activity(app, client, session, world, club):
    member = make_member(session, display_name="Mia")
    add_to_community(session, club, member)
    session.add(MemberTag(community_id=club.id, member_id=member.id, tag="city:Berlin"))
    session.commit()
    log_in(client, world.organizer)
    url = f"/communities/{club.id}/members"
    assert "Mia" in text_of(client.get(f"{url}?tag=city:Berlin"))
    assert "Mia" not in text_of(client.get(f"{url}?tag=city:Lisbon"))
    assert "Mia" in text_of(client.get(f"{url}?activity=inactive&status=active"))
    assert "Mia" not in text_of(client.get(f"{url}?activity=active"))
    assert client.get(f"{url}?activity=often&status=gone&page=x").status_code == 200
    other = app.test_client()
    log_in(other, member)
    assert other.get(url).status_code == 403


def test_a_member_makes_an_invite_link_with_its_qr_code(app, client, session, world):
    log_in(client, world.member)
    url = f"/communities/{world.community.id}/invite"
    assert "Make my invite link" in text_of(client.get(url))
    assert post_form(client, url).status_code == 302
    page = text_of(client.get(url))
    assert "?invite=" in page and "Copy the link" in page and "qr.png" in page
    code = page.split("?invite=")[1][:10]
    image = client.get(f"/invitations/{code}/qr.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    outsider = app.test_client()
    log_in(outsider, world.outsider)
    assert outsider.get(f"/invitations/{code}/qr.png").status_code == 404
    assert outsider.get(url).status_code == 403
