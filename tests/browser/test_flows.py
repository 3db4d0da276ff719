"""A member's morning and an organizer's review, in Debian's chromium on a phone-sized screen,
with axe-core checking every main page for serious or critical accessibility violations."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from habits.extensions import db
from habits.models import CheckIn, Enrollment, Member
from habits.services import challenges, checkins, communities, enrollments, members
from habits.services.settlement import settle_due_days

pytestmark = pytest.mark.browser

PASSWORD = "browser-pass-1"
DEMO_CARD = "pm_card_visa"
_tags = itertools.count(1)


# -- the world on the server --------------------------------------------------------------------


@dataclass
class World:
    organizer_email: str
    community_name: str
    challenge_id: int
    challenge_title: str
    rival_name: str
    rival_enrollment_id: int
    opens_at: datetime
    closes_at: datetime
    review: timedelta


def _next_minute(instant: datetime) -> datetime:
    return instant.replace(second=0, microsecond=0) + timedelta(minutes=1)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def seed_world(live_server) -> World:
    """An organizer's open community with a 3-day challenge whose day 1 opens in two minutes (in
    UTC, computed around the real now), and a rival member who joined and paid with the demo card."""
    tag = next(_tags)
    now = datetime.now(UTC)
    opens = _next_minute(now) + timedelta(minutes=2)
    open_minute = opens.hour * 60 + opens.minute
    close_minute = min(open_minute + 60, 1440)
    app = live_server.app
    with app.app_context():
        session = db.session

        def register(email, name):
            return members.register_member(
                session,
                email=email,
                password=PASSWORD,
                display_name=name,
                timezone="Asia/Shanghai",
                now=now,
                password_method="pbkdf2:sha256:1000",
            )

        organizer = register(f"organizer{tag}@browser.test", "Olivia Organizer")
        rival = register(f"lin{tag}@browser.test", f"Lin {tag}")
        community = communities.create_community(
            session, organizer, name=f"Sunrise Club {tag}", theme="early-rise", now=now
        )
        challenge = challenges.launch_challenge(
            session,
            community,
            organizer,
            rules={
                "title": f"Up and out {tag}",
                "timezone": "UTC",
                "start_date": opens.date(),
                "days": 3,
                "window_open": _hhmm(open_minute),
                "window_close": _hhmm(close_minute),
                "deposit_minor": 3000,
                "currency": "CNY",
                "max_misses": 1,
                "min_participants": 1,
                "review_minutes": 1,
            },
            now=now,
        )
        gateway = app.extensions["streakpot.gateway"]
        joined = enrollments.enroll(
            session, challenge, rival, gateway=gateway, pay_from_wallet=False, now=now
        )
        session.commit()
        gateway.confirm_payment(session, joined.enrollment, card=DEMO_CARD, now=now)
        world = World(
            organizer_email=organizer.email,
            community_name=community.name,
            challenge_id=challenge.id,
            challenge_title=challenge.title,
            rival_name=rival.display_name,
            rival_enrollment_id=joined.enrollment.id,
            opens_at=opens,
            closes_at=opens.replace(hour=0, minute=0) + timedelta(minutes=close_minute),
            review=timedelta(minutes=1),
        )
        session.commit()
        session.remove()
    return world


def sweep(live_server, at: datetime) -> None:
    """The scheduler's sweep at ``at`` (opens day 1, settles what is due)."""
    with live_server.app.app_context():
        result = settle_due_days(db.session, now=at, commit=db.session.commit)
        db.session.remove()
    assert not result.failed, result.failed


def rival_checks_in(live_server, world: World, at: datetime) -> None:
    with live_server.app.app_context():
        enrollment = db.session.get(Enrollment, world.rival_enrollment_id)
        checkins.check_in(db.session, enrollment, evidence=checkins.Evidence(note="up at dawn"), now=at)
        db.session.commit()
        db.session.remove()


def follow(page, target) -> None:
    """Tap a link or a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        target.tap()


# -- accessibility --------------------------------------------------------------------------------


class A11y:
    """axe-core on each page; serious and critical violations are collected, then reported together."""

    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.problems: list[str] = []

    def check(self, page, label: str) -> None:
        results = self.axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                self.problems.append(f"{label}: {violation['id']} ({violation['impact']}) {targets}")

    def assert_clean(self) -> None:
        assert self.problems == [], "\n".join(self.problems)


# -- the flows ------------------------------------------------------------------------------------


def test_a_member_registers_joins_pays_checks_in_and_reads_the_receipt(live_server, phone):
    world = seed_world(live_server)
    a11y = A11y()
    page = phone()

    page.goto("/")
    a11y.check(page, "home (visitor)")
    follow(page, page.get_by_role("link", name="Create an account").first)
    # progressive enhancement: the phone's own zone is preselected
    assert page.locator("#timezone").input_value() == "Asia/Shanghai"
    a11y.check(page, "register")
    page.get_by_label("Your name").fill("Ada Early")
    page.get_by_label("Email").fill(f"ada{world.challenge_id}@browser.test")
    page.get_by_label("Password").fill("correct horse")
    follow(page, page.get_by_role("button", name="Create account"))

    page.wait_for_url("**/communities")
    a11y.check(page, "communities")
    follow(page, page.get_by_role("link", name=world.community_name))
    a11y.check(page, "community")
    # its challenges are for its members (SPEC "Who sees what"): the open community is one tap away
    follow(page, page.get_by_role("button", name="Join", exact=True))
    page.get_by_text(f"Welcome to {world.community_name}!").wait_for()
    follow(page, page.get_by_role("link", name=world.challenge_title))
    a11y.check(page, "challenge (before joining)")
    assert "Daily stake" in page.content() and "CN¥10.00" in page.content()
    follow(page, page.get_by_role("button", name="Join and pay CN¥30.00"))

    page.wait_for_url("**/pay")
    a11y.check(page, "pay")
    follow(page, page.get_by_role("button", name="Pay deposit (demo card)"))
    page.get_by_role("heading", name="Pay the deposit of CN¥30.00?").wait_for()
    a11y.check(page, "pay (confirm)")
    follow(page, page.get_by_role("button", name="Pay CN¥30.00"))
    page.get_by_text("Deposit of CN¥30.00 paid. You are in!").wait_for()
    a11y.check(page, "enrollment (paid)")

    # Day 1's window opens; the scheduler opens the challenge, and the member wakes up.
    sweep(live_server, world.opens_at + timedelta(seconds=30))
    live_server.clock.set(world.opens_at + timedelta(minutes=1))
    page.goto("/")
    a11y.check(page, "home (window open)")
    follow(page, page.get_by_role("link", name="Check in", exact=True))
    a11y.check(page, "check-in (open)")
    follow(page, page.get_by_role("button", name="Check in now"))  # the one tap
    page.get_by_text("You are checked in for today").wait_for()
    assert "Checked in for day 1. Well done!" in page.content()
    a11y.check(page, "check-in (done)")

    # The day closes without the rival (their check-in never came); it is settled.
    due = world.closes_at + world.review
    sweep(live_server, due + timedelta(seconds=1))
    live_server.clock.set(due + timedelta(minutes=1))
    follow(page, page.get_by_role("link", name="My enrollment and receipts"))
    receipts = page.locator("ul.receipts")
    receipts.get_by_text("stake back").wait_for()
    assert "came back CN¥10.00" in receipts.inner_text() and "won CN¥10.00" in receipts.inner_text()
    a11y.check(page, "enrollment (receipts)")
    follow(page, receipts.get_by_role("link", name="Day 1"))
    page.get_by_role("heading", name="Day 1 statement").wait_for()
    assert page.locator("tr.mine").count() == 2  # my stake back and my share of the pot
    a11y.check(page, "statement")
    follow(page, page.get_by_role("link", name="Wallet"))
    a11y.check(page, "wallet")
    assert "CN¥20.00" in page.content()
    a11y.assert_clean()


def test_an_organizer_voids_a_faked_check_in(live_server, phone):
    world = seed_world(live_server)
    sweep(live_server, world.opens_at + timedelta(seconds=30))
    rival_checks_in(live_server, world, world.opens_at + timedelta(seconds=40))
    live_server.clock.set(world.opens_at + timedelta(minutes=2))
    a11y = A11y()
    page = phone()

    page.goto("/login")
    a11y.check(page, "login")
    page.get_by_label("Email").fill(world.organizer_email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Log in"))
    page.wait_for_url("**/")
    page.goto(f"/challenges/{world.challenge_id}/organize")
    a11y.check(page, "organizer dashboard")
    page.get_by_label(f"Reason to void {world.rival_name}'s check-in").fill("the photo is from yesterday")
    follow(page, page.get_by_role("button", name="Void"))
    page.get_by_text("Check-in voided: it counts as a miss.").wait_for()
    a11y.check(page, "organizer dashboard (after void)")

    with live_server.app.app_context():
        checkin = db.session.scalar(select(CheckIn).where(CheckIn.enrollment_id == world.rival_enrollment_id))
        assert checkin.voided_at is not None and checkin.void_reason == "the photo is from yesterday"
        assert db.session.scalar(select(Member).where(Member.email == world.organizer_email)) is not None
        db.session.remove()
    a11y.assert_clean()


def test_a_chinese_phone_gets_chinese_and_can_switch(live_server, phone):
    a11y = A11y()
    page = phone(locale="zh-CN")
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_role("heading", name="坚持习惯，拿回押金").wait_for()
    a11y.check(page, "home (zh)")
    page.goto("/login")
    a11y.check(page, "login (zh)")
    follow(page, page.get_by_role("button", name="English"))
    page.get_by_role("heading", name="Log in").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    a11y.assert_clean()
