"""The threshold at the door on a phone, 360 and 390 px wide, in English and Chinese: a newcomer
answers a community's registration form and entry quiz (a mistake is shown on its question, what
was typed stays), then waits; the organizer finds the request in the approval queue by its tag
and approves it. axe-core checks the join page, its refusal and the queue."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from habits.extensions import db
from habits.models import CommunityMembership, MembershipStatus
from habits.services import communities, members
from tests.browser.test_feed import LANGUAGES
from tests.browser.test_flows import PASSWORD, A11y, follow

pytestmark = pytest.mark.browser

_tags = itertools.count(1)
ENTRY = {
    "approval": True,
    "quiz": {
        "questions": [
            {"text": "When do we check in?", "choices": ["Any time", "Inside the window"], "answer": 1}
        ],
        "pass_mark": 1,
    },
    "form": [
        {"key": "city", "label": "Your city", "kind": "text", "required": True},
        {"key": "band", "label": "Age band", "kind": "choice", "choices": ["18-29", "30+"], "required": True},
    ],
}


def _seed(live_server, language: str) -> dict:
    tag = next(_tags)
    now = datetime.now(UTC)
    with live_server.app.app_context():
        session = db.session

        def register(email, name):
            return members.register_member(
                session,
                email=email,
                password=PASSWORD,
                display_name=name,
                timezone="Asia/Shanghai",
                locale=language,
                now=now,
                password_method="pbkdf2:sha256:1000",
            )

        organizer = register(f"door-organizer{tag}@browser.test", "Olivia Organizer")
        newcomer = register(f"door-newcomer{tag}@browser.test", f"Nia {tag}")
        community = communities.create_community(
            session, organizer, name=f"Larks {tag}", theme="early-rise", entry=ENTRY, now=now
        )
        session.commit()
        seeded = {
            "organizer": organizer.email,
            "newcomer": newcomer.email,
            "newcomer_id": newcomer.id,
            "community": community.id,
        }
        db.session.remove()
    return seeded


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    follow(page, page.locator("form:has(input[name=password]) button[type=submit]"))


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_joining_through_quiz_and_form_then_approval(live_server, phone, language, width):
    seeded = _seed(live_server, language)
    browser_locale, html_lang = LANGUAGES[language]
    a11y = A11y()

    page = phone(locale=browser_locale)
    page.set_viewport_size({"width": width, "height": 800})
    _log_in(page, seeded["newcomer"])
    page.goto(f"/communities/{seeded['community']}")
    assert page.locator("html").get_attribute("lang") == html_lang
    a11y.check(page, f"join page ({language}, {width} px)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # the city typed, the age band and the quiz forgotten
    page.locator("#form-city").fill("Hangzhou")
    follow(page, page.locator("form[action$='/join'] button[type=submit]"))
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert page.locator("#form-city").input_value() == "Hangzhou"
    assert page.locator("#quiz-0-error").is_visible() and page.locator("#form-band-error").is_visible()
    a11y.check(page, f"join refused ({language}, {width} px)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.locator("#form-band-1").check()
    page.locator("#quiz-0-1").check()
    follow(page, page.locator("form[action$='/join'] button[type=submit]"))
    with live_server.app.app_context():
        membership = db.session.scalar(
            select(CommunityMembership).where(
                CommunityMembership.community_id == seeded["community"],
                CommunityMembership.member_id == seeded["newcomer_id"],
            )
        )
        assert membership.status == MembershipStatus.PENDING
        assert membership.answers == {"city": "Hangzhou", "band": "30+"}
        db.session.remove()

    organizer = phone(locale=browser_locale)
    organizer.set_viewport_size({"width": width, "height": 800})
    _log_in(organizer, seeded["organizer"])
    organizer.goto(f"/communities/{seeded['community']}/requests")
    organizer.locator("#tag").select_option("city:Hangzhou")
    follow(organizer, organizer.locator("form[method=get] button[type=submit]"))
    assert "Hangzhou" in organizer.locator("main").inner_text()
    a11y.check(organizer, f"approval queue ({language}, {width} px)")
    assert organizer.evaluate("document.documentElement.scrollWidth") <= width
    follow(organizer, organizer.locator("button[name=action][value=approve]"))
    a11y.assert_clean()
    with live_server.app.app_context():
        membership = db.session.scalar(
            select(CommunityMembership).where(
                CommunityMembership.community_id == seeded["community"],
                CommunityMembership.member_id == seeded["newcomer_id"],
            )
        )
        assert membership.status == MembershipStatus.ACTIVE
        db.session.remove()
