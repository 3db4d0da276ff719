"""A member's profile on a phone, 360 and 390 px wide, in English and Chinese: the organizer
follows the rival's name from the feed, after day 1 was settled, and reads their level, badges and
check-in calendar; axe-core checks the page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser.test_feed import LANGUAGES, _rival, _speaks
from tests.browser.test_flows import PASSWORD, A11y, follow, rival_checks_in, seed_world, sweep

pytestmark = pytest.mark.browser

WORDS = {
    "en": ("Level 1", "Earliest riser", "First check-in", "checked in"),
    "zh_Hans": ("等级 1", "最早起床", "首次打卡", "已打卡"),
}


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_profile_shows_level_badges_and_the_calendar(live_server, phone, language, width):
    world = seed_world(live_server)
    sweep(live_server, world.opens_at + timedelta(seconds=30))
    rival_checks_in(live_server, world, world.opens_at + timedelta(seconds=40))
    settled = world.closes_at + world.review + timedelta(minutes=1)
    sweep(live_server, settled)
    live_server.clock.set(settled + timedelta(minutes=1))
    rival_id, _ = _rival(live_server, world)
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
    follow(page, page.locator(f"main a[href='/members/{rival_id}']").first)
    assert page.locator("html").get_attribute("lang") == html_lang
    main = page.locator("main").inner_text()
    assert world.rival_name in page.locator("h1").inner_text()
    for word in WORDS[language]:
        assert word in main, word
    assert page.locator("table.month td.checked").count() == 1
    a11y.check(page, f"profile ({language}, {width} px)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    a11y.assert_clean()
