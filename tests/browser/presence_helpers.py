"""What the share card's, the mention picker's and the push control's browser tests share: a
world whose rival checked in on day 1, a phone signed in as someone, in a language."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from habits.domain.lifecycle import EnrollmentStatus
from habits.extensions import db
from habits.models import Challenge, CheckIn, Enrollment, Member
from tests.browser.test_flows import PASSWORD, follow, rival_checks_in, seed_world, sweep
from tests.factories import make_enrollment, make_member

LANGUAGES = {"en": ("en-US", "en"), "zh_Hans": ("zh-CN", "zh-Hans")}
MEASURE = (Path(__file__).parent / "measure_targets.js").read_text()


def checked_in_world(live_server):
    """The world of tests/browser/test_flows.py with the rival checked in on day 1, the server's
    clock two minutes into the window; and (rival's member id, rival's e-mail, check-in id)."""
    world = seed_world(live_server)
    sweep(live_server, world.opens_at + timedelta(seconds=30))
    rival_checks_in(live_server, world, world.opens_at + timedelta(seconds=40))
    live_server.clock.set(world.opens_at + timedelta(minutes=2))
    with live_server.app.app_context():
        enrollment = db.session.get(Enrollment, world.rival_enrollment_id)
        rival = db.session.get(Member, enrollment.member_id)
        checkin_id = db.session.scalar(select(CheckIn.id).where(CheckIn.enrollment_id == enrollment.id))
        found = (rival.id, rival.email, checkin_id)
        db.session.remove()
    return world, found


def add_participant(live_server, world, name: str) -> int:
    """Another member enrolled in the world's challenge, deposit held as a paid one is (the
    sweeps of later tests on this server settle the challenge: every enrollment needs its
    accounts); their member id."""
    with live_server.app.app_context():
        member = make_member(
            db.session, display_name=name, email=f"p{world.challenge_id}-{name}@browser.test"
        )
        challenge = db.session.get(Challenge, world.challenge_id)
        make_enrollment(db.session, challenge, member, status=EnrollmentStatus.ACTIVE)
        member_id = member.id
        db.session.remove()
    return member_id


def set_member(live_server, email: str, **values) -> None:
    with live_server.app.app_context():
        member = db.session.scalar(select(Member).where(Member.email == email))
        for name, value in values.items():
            setattr(member, name, value)
        db.session.commit()
        db.session.remove()


def signed_in_phone(phone, email: str, language: str, width: int):
    page = phone(locale=LANGUAGES[language][0])
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    follow(page, page.locator("form:has(input[name=password]) button[type=submit]"))
    return page


def small_targets(page) -> list[str]:
    found = page.evaluate(MEASURE, 44)
    return found["small"] + found["faint"]
