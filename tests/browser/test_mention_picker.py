"""The comment form's live mention picker on a phone, in English and Chinese: an organizer types
"@Al" in a comment on the rival's check-in, picks Alice (another participant) from the
suggestions, sends; the comment mentions Alice by member id and Alice is notified.
axe and the 44 px targets with the suggestions and the chip shown."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from habits.extensions import db
from habits.models import CommentMention, Notification
from tests.browser.presence_helpers import (
    LANGUAGES,
    add_participant,
    checked_in_world,
    set_member,
    signed_in_phone,
    small_targets,
)
from tests.browser.test_flows import A11y, follow

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_typing_at_offers_participants_and_a_pick_mentions_by_id(live_server, phone, language, width):
    world, (_, _, checkin_id) = checked_in_world(live_server)
    alice = f"Alice {world.challenge_id}"
    alice_id = add_participant(live_server, world, alice)
    set_member(live_server, world.organizer_email, locale=language)
    a11y = A11y()
    page = signed_in_phone(phone, world.organizer_email, language, width)

    page.goto(f"/checkins/{checkin_id}/comments")
    assert page.locator("html").get_attribute("lang") == LANGUAGES[language][1]
    assert page.locator("#picker-hint").is_visible()  # said only where the picker works
    body = page.locator("textarea[name=body]")
    body.tap()
    body.press_sequentially("Morning @Al")
    suggestion = page.locator("#mention-options button", has_text=alice)
    suggestion.wait_for()
    assert suggestion.get_attribute("data-member-id") == str(alice_id)
    a11y.check(page, f"comments with suggestions ({language}, {width} px)")
    assert small_targets(page) == []
    suggestion.tap()
    assert body.input_value() == f"Morning @{alice} "
    assert page.locator("#mention-options").is_hidden()
    assert page.locator("#mentioned-list input[name=mentions]").get_attribute("value") == str(alice_id)
    assert alice in page.locator("#mentioned-list").inner_text()
    a11y.check(page, f"comments with a pick ({language}, {width} px)")
    assert small_targets(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    body.press_sequentially("早上好")
    follow(page, page.locator("#comment-form button[type=submit]"))

    assert f"Morning @{alice} 早上好" in page.locator("main").inner_text()
    a11y.assert_clean()
    with live_server.app.app_context():
        mentioned = db.session.scalars(select(CommentMention.member_id)).all()
        told = db.session.scalars(
            select(Notification.kind).where(Notification.recipient_id == alice_id)
        ).all()
        db.session.remove()
    assert mentioned.count(alice_id) == 1
    assert told == ["mentioned"]
