"""The feed on a phone, 360 and 390 px wide, in English and Chinese: an organizer reads a member's
check-in in the challenge's feed, cheers it, and comments on it mentioning that member; axe-core
checks the feed and the comments page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from habits.extensions import db
from habits.models import CheckIn, Cheer, CommentMention, Enrollment, Member
from tests.browser.test_flows import PASSWORD, A11y, follow, rival_checks_in, seed_world, sweep

pytestmark = pytest.mark.browser

LANGUAGES = {"en": ("en-US", "en"), "zh_Hans": ("zh-CN", "zh-Hans")}


def _rival(live_server, world) -> tuple[int, int]:
    """The rival's member id and their check-in's id."""
    with live_server.app.app_context():
        enrollment = db.session.get(Enrollment, world.rival_enrollment_id)
        checkin_id = db.session.scalar(select(CheckIn.id).where(CheckIn.enrollment_id == enrollment.id))
        member_id = enrollment.member_id
        db.session.remove()
    return member_id, checkin_id


def _speaks(live_server, email: str, language: str) -> None:
    with live_server.app.app_context():
        db.session.scalar(select(Member).where(Member.email == email)).locale = language
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_feed_shows_a_check_in_a_cheer_counts_and_a_comment_mentions(live_server, phone, language, width):
    world = seed_world(live_server)
    sweep(live_server, world.opens_at + timedelta(seconds=30))
    rival_checks_in(live_server, world, world.opens_at + timedelta(seconds=40))
    live_server.clock.set(world.opens_at + timedelta(minutes=2))
    rival_id, checkin_id = _rival(live_server, world)
    _speaks(live_server, world.organizer_email, language)
    browser_locale, html_lang = LANGUAGES[language]
    a11y = A11y()
    page = phone(locale=browser_locale)
    page.set_viewport_size({"width": width, "height": 800})

    page.goto("/login")
    page.locator("input[name=email]").fill(world.organizer_email)
    page.locator("input[name=password]").fill(PASSWORD)
    follow(page, page.locator("form:has(input[name=password]) button[type=submit]"))

    page.goto(f"/challenges/{world.challenge_id}/feed")
    assert page.locator("html").get_attribute("lang") == html_lang
    item = page.locator(f"#checkin-{checkin_id}")
    assert world.rival_name in item.inner_text()
    assert "up at dawn" in item.inner_text()
    a11y.check(page, f"feed ({language}, {width} px)")
    # nothing wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    cheer = item.locator("button[aria-pressed=false]")
    assert "0" in cheer.inner_text()
    follow(page, cheer)
    cheered = page.locator(f"#checkin-{checkin_id} button[aria-pressed=true]")
    assert "1" in cheered.inner_text()

    follow(page, page.locator(f"#checkin-{checkin_id} a[href$='/checkins/{checkin_id}/comments']"))
    a11y.check(page, f"comments ({language}, {width} px)")
    page.locator("textarea[name=body]").fill("Early bird! 早起的鸟儿")
    page.locator("input[name=mention]").fill(f"{world.rival_name} #{rival_id}")
    follow(page, page.locator(f"form[action$='/checkins/{checkin_id}/comments'] button[type=submit]"))
    assert "Early bird! 早起的鸟儿" in page.locator("main").inner_text()
    assert world.rival_name in page.locator("main li").first.inner_text()  # "Mentions: <name>"
    a11y.assert_clean()

    with live_server.app.app_context():
        assert db.session.scalar(select(Cheer.member_id).where(Cheer.check_in_id == checkin_id)) is not None
        assert db.session.scalars(select(CommentMention.member_id)).all().count(rival_id) == 1
        db.session.remove()
