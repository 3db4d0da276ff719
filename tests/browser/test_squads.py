"""Squads and flash challenges on a phone, 360 and 390 px wide, in English and Chinese: the
organizer opens the squads page, regroups, reads the history, then launches the next flash
challenge in two taps from the dashboard; axe-core checks each page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from habits.extensions import db
from habits.models import Challenge, SquadChange
from tests.browser.test_feed import LANGUAGES, _speaks
from tests.browser.test_flows import PASSWORD, A11y, follow, seed_world, sweep

pytestmark = pytest.mark.browser


def _squads_and_flash(live_server, challenge_id: int) -> None:
    with live_server.app.app_context():
        challenge = db.session.get(Challenge, challenge_id)
        challenge.squad_size, challenge.flash = 2, True
        db.session.commit()
        db.session.remove()


def _count(live_server, what) -> int:
    with live_server.app.app_context():
        n = db.session.scalar(select(func.count()).select_from(what))
        db.session.remove()
    return n


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_organizer_regroups_squads_and_launches_the_next_flash_challenge(
    live_server, phone, language, width
):
    world = seed_world(live_server)
    _squads_and_flash(live_server, world.challenge_id)
    sweep(live_server, world.opens_at + timedelta(seconds=30))  # day 1 opens: the rival is placed
    live_server.clock.set(world.opens_at + timedelta(minutes=2))
    _speaks(live_server, world.organizer_email, language)
    browser_locale, html_lang = LANGUAGES[language]
    a11y = A11y()
    page = phone(locale=browser_locale)
    page.set_viewport_size({"width": width, "height": 800})

    page.goto("/login")
    page.locator("input[name=email]").fill(world.organizer_email)
    page.locator("input[name=password]").fill(PASSWORD)
    follow(page, page.locator("form:has(input[name=password]) button[type=submit]"))

    page.goto(f"/challenges/{world.challenge_id}/squads")
    assert page.locator("html").get_attribute("lang") == html_lang
    a11y.check(page, f"squads ({language}, {width} px)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    changes = _count(live_server, SquadChange)
    page.locator("select[name=strategy]").select_option("shuffle")
    follow(page, page.locator("form[action$='/squads/regroup'] button[type=submit]"))
    assert _count(live_server, SquadChange) == changes + 1
    a11y.check(page, f"squads after regrouping ({language}, {width} px)")

    page.goto(f"/challenges/{world.challenge_id}/organize")
    a11y.check(page, f"dashboard with squads ({language}, {width} px)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    launched = _count(live_server, Challenge)
    follow(page, page.locator("#relaunch button[type=submit]"))  # tap 1: the confirmation
    a11y.check(page, f"launch the next one: confirmation ({language}, {width} px)")
    follow(page, page.locator("button[name=confirm]"))  # tap 2
    assert _count(live_server, Challenge) == launched + 1
    a11y.assert_clean()
