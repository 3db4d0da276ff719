"""After checking in on the phone, 360 and 390 px wide, in English and Chinese: the member reads
their rank of the day, their streak and the latest check-in of another member on the same page;
axe-core checks it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from habits.extensions import db
from habits.models import Challenge
from habits.services import enrollments, members
from tests.browser.test_flows import DEMO_CARD, PASSWORD, A11y, follow, rival_checks_in, seed_world, sweep

pytestmark = pytest.mark.browser

LANGUAGES = {"en": "en-US", "zh_Hans": "zh-CN"}
SAYS = {
    "en": ("You are the 2nd to check in today.", "Your streak: 1 day in a row."),
    "zh_Hans": ("今天你是第 2 个打卡的。", "你已连续打卡 1 天。"),
}


def _second_member(live_server, world, language: str) -> tuple[str, int]:
    """Another member who joined and paid; their e-mail and enrollment id."""
    now = datetime.now(UTC)
    with live_server.app.app_context():
        session = db.session
        member = members.register_member(
            session, email=f"mei{world.challenge_id}@browser.test", password=PASSWORD, display_name="Mei",
            timezone="Asia/Shanghai", now=now, password_method="pbkdf2:sha256:1000",
        )  # fmt: skip
        member.locale = language
        challenge = session.get(Challenge, world.challenge_id)
        gateway = live_server.app.extensions["streakpot.gateway"]
        joined = enrollments.enroll(
            session, challenge, member, gateway=gateway, pay_from_wallet=False, now=now
        )
        session.commit()
        gateway.confirm_payment(session, joined.enrollment, card=DEMO_CARD, now=now)
        session.commit()
        found = member.email, joined.enrollment.id
        session.remove()
    return found


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_after_checking_in_the_member_sees_rank_streak_and_the_others(live_server, phone, language, width):
    world = seed_world(live_server)
    email, enrollment_id = _second_member(live_server, world, language)
    sweep(live_server, world.opens_at + timedelta(seconds=30))
    rival_checks_in(live_server, world, world.opens_at + timedelta(seconds=40))
    live_server.clock.set(world.opens_at + timedelta(minutes=2))
    a11y = A11y()
    page = phone(locale=LANGUAGES[language])
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    follow(page, page.locator("form:has(input[name=password]) button[type=submit]"))

    page.goto(f"/enrollments/{enrollment_id}/checkin")
    follow(page, page.locator("#checkin-button"))
    rank, streak = SAYS[language]
    standing = page.locator("#standing").inner_text()
    assert rank in standing and streak in standing
    others = page.locator("#others")
    assert world.rival_name in others.inner_text() and "up at dawn" in others.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the phone
    a11y.check(page, f"check-in done ({language}, {width} px)")
    a11y.assert_clean()
