"""The community health dashboard on a phone, 360 and 390 px wide, in English and Chinese: the
organizer reads the charts (server-drawn SVG) and a chart's table, picks a squad, and sets the
alert threshold; axe-core checks the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from habits.extensions import db
from habits.models import Challenge, Community, Enrollment, Member, Squad, SquadMember
from habits.services.community_health import refresh
from tests.browser.test_flows import PASSWORD, A11y, follow, rival_checks_in, seed_world, sweep

pytestmark = pytest.mark.browser

LANGUAGES = {"en": ("en-US", "en"), "zh_Hans": ("zh-CN", "zh-Hans")}


def _community_id(live_server, world, language: str) -> int:
    with live_server.app.app_context():
        session = db.session
        community = session.scalar(select(Community).where(Community.name == world.community_name))
        session.scalar(select(Member).where(Member.email == world.organizer_email)).locale = language
        # one squad of everyone in the community's challenge, made when day 0 opened
        challenge = session.scalar(select(Challenge).where(Challenge.community_id == community.id))
        squad = Squad(challenge_id=challenge.id, number=1, created_at=world.opens_at)
        session.add(squad)
        session.flush()
        enrolled = session.scalars(select(Enrollment.id).where(Enrollment.challenge_id == challenge.id))
        for placed in enrolled:
            session.add(SquadMember(challenge_id=challenge.id, enrollment_id=placed, squad_id=squad.id))
        refresh.refresh_community(session, community, now=world.opens_at + timedelta(minutes=2))
        session.commit()
        community_id = community.id
        session.remove()
    return community_id


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_organizer_reads_the_health_charts_and_sets_the_alert(live_server, phone, language, width):
    world = seed_world(live_server)
    sweep(live_server, world.opens_at + timedelta(seconds=30))
    rival_checks_in(live_server, world, world.opens_at + timedelta(seconds=40))
    live_server.clock.set(world.opens_at + timedelta(minutes=2))
    community_id = _community_id(live_server, world, language)
    browser_locale, html_lang = LANGUAGES[language]
    a11y = A11y()
    page = phone(locale=browser_locale)
    page.set_viewport_size({"width": width, "height": 800})

    page.goto("/login")
    page.locator("input[name=email]").fill(world.organizer_email)
    page.locator("input[name=password]").fill(PASSWORD)
    follow(page, page.locator("form:has(input[name=password]) button[type=submit]"))

    page.goto(f"/communities/{community_id}/health")
    assert page.locator("html").get_attribute("lang") == html_lang
    charts = page.locator("figure.health-chart svg[role=img]")
    assert charts.count() >= 2
    assert charts.first.bounding_box()["width"] <= width
    assert page.locator("#active-share svg polyline").count() == 1
    assert page.locator("#active-share svg rect.r-band").count() == 1  # the 5-8 % band
    a11y.check(page, f"health ({language}, {width} px)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.locator("#active-share summary").click()
    assert page.locator("#active-share table tbody tr").count() >= 1
    a11y.check(page, f"health table ({language}, {width} px)")

    page.locator("select[name=squad]").select_option(index=1)
    follow(page, page.locator("form.period button[type=submit]"))
    assert "squad=" in page.url
    assert page.locator("p.lead").count() == 1  # which squad is shown
    assert page.locator("#active-share svg polyline").count() == 1
    assert page.locator("#survival").count() == 0  # no survival for a squad
    a11y.check(page, f"health of a squad ({language}, {width} px)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.locator("input[name=alert_percent]").fill("5")
    follow(page, page.locator("form[action$='/health/settings'] button[type=submit]"))
    assert page.locator("input[name=alert_percent]").input_value() == "5"
    a11y.assert_clean()
