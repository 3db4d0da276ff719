"""A voided check-in and its appeal, in Debian's chromium on phones 360 and 390 px wide, in English
and in Chinese, with axe-core on every page: the member sees the check-in as voided (why, by whom)
on their home and check-in pages, asks for an appeal there (a blank reason comes back marked, in
view and focused), and the organizer, who does not play, accepts it from the dashboard's review;
then the member's check-in counts again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from habits.extensions import db
from habits.models import AppealRequest, AppealStatus, CheckIn, Enrollment, Member
from habits.services.checkins import void_check_in
from tests.browser.test_flows import PASSWORD, A11y, follow, rival_checks_in, seed_world, sweep

pytestmark = pytest.mark.browser

#: what each language's pages say, for the steps that read them
WORDS = {
    "en": {
        "browser": "en-US",
        "voided": "Day 1: your check-in was voided",
        "by": "Olivia Organizer voided it at",
        "ask": "Ask for an appeal",
        "required": "This field is required.",
        "sent": "Appeal sent",
        "accept": "Accept: record the check-in",
        "accepted": "Appeal accepted: the check-in for day 1 is recorded.",
        "done": "You are checked in for today",
        "log_in": "Log in",
    },
    "zh_Hans": {
        "browser": "zh-CN",
        "voided": "第 1 天：你的打卡已被作废",
        "by": "Olivia Organizer 于",
        "ask": "请求申诉",
        "required": "此项必填。",
        "sent": "申诉已发送",
        "accept": "受理：补录打卡",
        "accepted": "申诉已受理：第 1 天的打卡已补录。",
        "done": "今天已打卡",
        "log_in": "登录",
    },
}
REASON_VOID = "the photo is from yesterday"


def void_the_rivals_check_in(live_server, world, *, locale: str) -> int:
    """The organizer voids the rival's check-in of day 1; both read the pages in ``locale``."""
    with live_server.app.app_context():
        session = db.session
        checkin = session.scalar(select(CheckIn).where(CheckIn.enrollment_id == world.rival_enrollment_id))
        organizer = session.scalar(select(Member).where(Member.email == world.organizer_email))
        void_check_in(
            session, checkin, organizer, reason=REASON_VOID, now=world.opens_at + timedelta(minutes=1)
        )
        rival = session.get(Member, session.get(Enrollment, world.rival_enrollment_id).member_id)
        rival.locale = organizer.locale = locale
        email = rival.email
        session.commit()
        session.remove()
    return email


def log_in(page, email: str, words: dict) -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    follow(page, page.get_by_role("button", name=words["log_in"], exact=True))
    page.wait_for_url("**/")


def fits(page, label: str) -> None:
    """Nothing on the page is wider than the phone's screen."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{label}: {overflow}px wider than the screen"


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_a_member_appeals_a_voided_check_in_and_the_organizer_accepts(live_server, phone, width, locale):
    words = WORDS[locale]
    world = seed_world(live_server)
    sweep(live_server, world.opens_at + timedelta(seconds=30))
    rival_checks_in(live_server, world, world.opens_at + timedelta(seconds=40))
    email = void_the_rivals_check_in(live_server, world, locale=locale)
    live_server.clock.set(world.opens_at + timedelta(minutes=2))
    a11y = A11y()

    # the member wakes up: the home page says the check-in was voided, why and by whom
    member = phone(locale=words["browser"])
    member.set_viewport_size({"width": width, "height": 800})
    log_in(member, email, words)
    panel = member.locator(f"#appeal-{world.rival_enrollment_id}-0")
    panel.get_by_text(words["voided"]).wait_for()
    assert words["by"] in panel.inner_text() and REASON_VOID in panel.inner_text()
    assert member.locator("section.card.done").count() == 0  # nothing green
    a11y.check(member, f"home, voided ({locale}, {width})")
    fits(member, "home")
    follow(member, member.get_by_role("link", name=world.challenge_title).first)
    member.go_back()

    # the check-in page: the voided check-in, not "you are checked in"
    member.goto(f"/enrollments/{world.rival_enrollment_id}/checkin")
    panel.get_by_text(words["voided"]).wait_for()
    assert words["done"] not in member.content()
    a11y.check(member, f"check-in, voided ({locale}, {width})")
    fits(member, "check-in")

    # a blank reason comes back marked, the panel in view and its field focused
    reason = member.locator(f"#ask-{world.rival_enrollment_id}-0-reason")
    reason.fill("   ")  # the browser's own check (required) wants a character: spaces pass it
    follow(member, panel.get_by_role("button", name=words["ask"]))
    panel.get_by_text(words["required"]).wait_for()
    assert member.evaluate("document.activeElement.id") == f"ask-{world.rival_enrollment_id}-0-reason"
    assert panel.evaluate("el => el.getBoundingClientRect().top < window.innerHeight")  # in view
    a11y.check(member, f"check-in, blank appeal ({locale}, {width})")
    reason.fill("I was up at six: the photo shows today's newspaper")
    follow(member, panel.get_by_role("button", name=words["ask"]))
    panel.get_by_text(words["sent"]).wait_for()
    a11y.check(member, f"check-in, appeal sent ({locale}, {width})")
    fits(member, "check-in, appeal sent")

    # the organizer, who does not play, reviews it on the dashboard
    organizer = phone(locale=words["browser"])
    organizer.set_viewport_size({"width": width, "height": 800})
    log_in(organizer, world.organizer_email, words)
    organizer.goto(f"/challenges/{world.challenge_id}/organize")
    with live_server.app.app_context():
        appeal_id = db.session.scalar(
            select(AppealRequest.id).where(AppealRequest.enrollment_id == world.rival_enrollment_id)
        )
        db.session.remove()
    request = organizer.locator(f"#appeal-request-{appeal_id}")
    assert "today's newspaper" in request.inner_text() and REASON_VOID in request.inner_text()
    a11y.check(organizer, f"dashboard, appeal waiting ({locale}, {width})")
    fits(organizer, "dashboard")
    organizer.locator(f"#appeal-{appeal_id}-reason").fill("  ")  # the browser's own check wants a character
    follow(organizer, request.get_by_role("button", name=words["accept"]))
    request.get_by_text(words["required"]).wait_for()
    assert organizer.evaluate("document.activeElement.id") == f"appeal-{appeal_id}-reason"
    assert request.evaluate("el => el.getBoundingClientRect().bottom > 0")  # in view, not at the top
    a11y.check(organizer, f"dashboard, blank decision ({locale}, {width})")
    organizer.locator(f"#appeal-{appeal_id}-reason").fill("same sunrise as the others")
    follow(organizer, request.get_by_role("button", name=words["accept"]))
    organizer.get_by_text(words["accepted"]).wait_for()
    a11y.check(organizer, f"dashboard, accepted ({locale}, {width})")

    # the member's check-in counts again
    member.reload()
    member.get_by_text(words["done"]).wait_for()
    with live_server.app.app_context():
        appeal = db.session.get(AppealRequest, appeal_id)
        checkin = db.session.scalar(select(CheckIn).where(CheckIn.enrollment_id == world.rival_enrollment_id))
        assert appeal.status == AppealStatus.ACCEPTED and checkin.voided_at is None
        db.session.remove()
    a11y.assert_clean()
