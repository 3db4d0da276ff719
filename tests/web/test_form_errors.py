"""A form sent back with a mistake (issue 14): what was typed stays, the field is marked and its
message read with it, a summary at the top takes the focus (autofocus on a tabindex=-1 box, so
it works without a script) and links to each field, and each message says exactly what is
wrong. The focus itself is checked in chromium (tests/browser/test_form_errors_focus.py)."""

from __future__ import annotations

import re

import pytest

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Member
from tests.factories import at_local, make_challenge, make_community, make_enrollment, text_fields
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, log_in, post_form, text_of
from tests.web.test_typed_money import gift


def _input(page: str, box_id: str) -> str:
    match = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{box_id}"[^>]*>', page)
    assert match, f"no box #{box_id}"
    return match.group(0)


def _summary(page: str) -> str:
    match = re.search(r'<div class="error-summary"[^>]*>.*?</div>', page, re.S)
    assert match, "no error summary"
    return match.group(0)


def _marked(page: str, box_id: str) -> None:
    box = _input(page, box_id)
    assert 'aria-invalid="true"' in box
    assert f"{box_id}-error" in re.search(r'aria-describedby="([^"]*)"', box).group(1)
    assert f'id="{box_id}-error"' in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "An amount cannot be negative: write it without the minus sign, e.g. 70.50."),
        ("1.999", "CNY amounts have at most 2 decimals."),
        ("0", "Write an amount above zero."),
    ],
)
def test_each_wrong_amount_says_exactly_what_is_wrong(client, session, world, typed, message):
    gift(session, world.bystander, 2000, "CNY")
    log_in(client, world.bystander)
    response = post_form(client, "/wallet", {"amount": typed, "currency": "CNY"})
    page = text_of(response)
    assert response.status_code == 422
    assert f'value="{typed}"' in _input(page, "amount")  # what was typed stays
    _marked(page, "amount")
    summary = _summary(page)
    assert 'tabindex="-1"' in summary and "autofocus" in summary and 'role="alert"' in summary
    assert f'<a href="#amount">Amount: {message}</a>' in summary
    assert page.count(message) == 2  # in the summary and under the field
    # the summary has the focus, not a flash above it
    assert page.count("autofocus") == 1


def test_a_chinese_summary_uses_a_fullwidth_colon(client, session, world):
    gift(session, world.bystander, 2000, "CNY")
    member = session.get(Member, world.bystander.id)
    member.locale = "zh_Hans"
    session.commit()
    log_in(client, world.bystander)
    page = text_of(post_form(client, "/wallet", {"amount": "-5", "currency": "CNY"}))
    assert '<a href="#amount">金额：金额不能为负数：请去掉减号，例如 70.50。</a>' in _summary(page)


def test_a_wrong_invite_code_keeps_the_answers_and_marks_the_code(client, session, world):
    club = make_community(
        session,
        world.organizer,
        name="Night readers",
        invite_code="OWL-42",
        entry_form=text_fields("Your city?", "What are you reading?"),
    )
    log_in(client, world.outsider)
    answers = {"form-your_city": "Hangzhou", "form-what_are_you_reading": "Dream of the Red Chamber"}
    response = post_form(
        client,
        f"/communities/{club.id}/join",
        {"invite_code": "OWL-41", **answers},
        form_page=f"/communities/{club.id}",
    )
    page = text_of(response)
    assert response.status_code == 422
    assert 'value="Hangzhou"' in _input(page, "form-your_city")
    assert 'value="Dream of the Red Chamber"' in _input(page, "form-what_are_you_reading")
    assert 'value="OWL-41"' in _input(page, "invite_code")
    _marked(page, "invite_code")
    assert 'aria-invalid="true"' not in _input(page, "form-your_city")
    summary = _summary(page)
    assert '<a href="#invite_code">Invite code: The invite code is missing or not right.</a>' in summary
    assert "autofocus" in summary


def test_a_blank_join_answer_is_marked_on_its_own_box(client, session, world):
    club = make_community(
        session, world.organizer, name="Night readers", entry_form=text_fields("Your city?", "Your goal?")
    )
    log_in(client, world.outsider)
    response = post_form(
        client,
        f"/communities/{club.id}/join",
        {"form-your_city": "Hangzhou", "form-your_goal": "  "},
        form_page=f"/communities/{club.id}",
    )
    page = text_of(response)
    assert response.status_code == 422
    assert 'value="Hangzhou"' in _input(page, "form-your_city")
    assert 'aria-invalid="true"' not in _input(page, "form-your_city")
    _marked(page, "form-your_goal")
    assert '<a href="#form-your_goal">Your goal?: This field is required.</a>' in _summary(page)


def test_the_note_stays_below_the_button_after_an_error(client, session, world):
    challenge = make_challenge(session, world.community)
    enrollment = make_enrollment(session, challenge, world.member, status=EnrollmentStatus.ACTIVE)
    url = f"/enrollments/{enrollment.id}/checkin"
    with travel(at_local(challenge, 0, "05:30")):
        log_in(client, world.member)
        before = text_of(client.get(url))
        token = csrf_token(before)
        response = client.post(url, data={"csrf_token": token, "note": "ran by the lake", "value": "lots"})
    after = text_of(response)
    assert response.status_code == 422

    def order(page):
        return page.index('id="checkin-button"') < page.index('id="note"')

    assert order(before) and order(after)  # the note is in "Add details", under the button, both times
    assert "ran by the lake" in after and 'value="lots"' in _input(after, "value")
    assert re.search(r"<details open", after)
    _marked(after, "value")
    assert '<a href="#value">Number (optional): Write a number, e.g. 5 or 5.2.</a>' in _summary(after)
