"""A member in Los Angeles, on a phone 360 and 390 px wide, in English and in Chinese: the settings
page's zone picker offers the phone's own zone and keeps it, and the check-in page of a challenge
that runs on UTC days then gives the close as 4 PM local, with the zone named (it said "until
midnight (Etc/UTC)"). axe-core finds no serious or critical violation on either page."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from habits.extensions import db
from habits.models import Member
from habits.services import challenges, communities, enrollments, members
from tests.browser.test_flows import A11y, follow, sweep
from tests.timehelpers import travel

pytestmark = pytest.mark.browser

PASSWORD = "browser-pass-1"
#: noon in Los Angeles (winter, UTC-8) on the challenge's first day
NOON_IN_LOS_ANGELES = datetime(2026, 12, 8, 20, 0, tzinfo=UTC)
SEEDED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
_tags = itertools.count(1)

WORDS = {
    "en": {
        "accept": "en-US",
        "offer": "Use this phone’s zone: America/Los_Angeles",
        "save": "Save",
        "saved": "Your settings are saved.",
        "open_until": "The window is open until 4:00\u202fPM (Los Angeles time).",
    },
    "zh_Hans": {
        "accept": "zh-CN",
        "offer": "使用这部手机的时区：America/Los_Angeles",
        "save": "保存",
        "saved": "设置已保存。",
        "open_until": "打卡开放到 16:00（洛杉矶时间）。",
    },
}


def seed_member_in_a_utc_challenge(live_server, language: str) -> tuple[str, int]:
    """A member whose stored zone is still UTC (they never set it), paid into a challenge whose
    window is the whole UTC day, from 8 December 2026. Their e-mail and enrollment id."""
    tag = next(_tags)
    app = live_server.app
    with app.app_context():
        session = db.session

        def register(email, name, locale="en"):
            return members.register_member(
                session,
                email=email,
                password=PASSWORD,
                display_name=name,
                timezone="UTC",
                locale=locale,
                now=SEEDED_AT,
                password_method="pbkdf2:sha256:1000",
            )

        organizer = register(f"zones-organizer{tag}@browser.test", "Olivia Organizer")
        member = register(f"zones-member{tag}@browser.test", f"Lee {tag}", locale=language)
        community = communities.create_community(
            session, organizer, name=f"Night owls {tag}", theme="reading", now=SEEDED_AT
        )
        challenge = challenges.launch_challenge(
            session,
            community,
            organizer,
            rules={
                "title": f"A page a day {tag}",
                "timezone": "Etc/UTC",
                "start_date": date(2026, 12, 8),
                "days": 3,
                "window_open": "00:00",
                "window_close": "24:00",
                "deposit_minor": 3000,
                "currency": "USD",
                "max_misses": 1,
                "min_participants": 1,
            },
            now=SEEDED_AT,
        )
        gateway = app.extensions["streakpot.gateway"]
        joined = enrollments.enroll(
            session, challenge, member, gateway=gateway, pay_from_wallet=False, now=SEEDED_AT
        )
        session.commit()
        with travel(SEEDED_AT):  # the signed webhook is checked against the clock it was signed at
            gateway.confirm_payment(session, joined.enrollment, card="pm_card_visa", now=SEEDED_AT)
        session.commit()
        result = member.email, joined.enrollment.id
        session.remove()
    return result


def stored_zone(live_server, email: str) -> str:
    with live_server.app.app_context():
        member = db.session.query(Member).filter_by(email=email).one()
        zone = member.timezone
        db.session.remove()
    return zone


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_a_los_angeles_member_sets_the_phones_zone_and_reads_the_close_in_it(
    live_server, phone, width, language
):
    words = WORDS[language]
    email, enrollment_id = seed_member_in_a_utc_challenge(live_server, language)
    sweep(live_server, NOON_IN_LOS_ANGELES)  # day 1 opens
    live_server.clock.set(NOON_IN_LOS_ANGELES)
    a11y = A11y()
    page = phone(locale=words["accept"], timezone_id="America/Los_Angeles")
    page.set_viewport_size({"width": width, "height": 800})

    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    follow(page, page.locator("form button[type=submit]").first)

    page.goto("/account")
    picker = page.locator("#profile-timezone")
    assert picker.input_value() == "UTC"
    assert page.locator("#profile-timezone-zones option[value='America/Los_Angeles']").count() == 1
    offer = page.get_by_role("button", name=words["offer"])
    offer.wait_for()
    a11y.check(page, f"settings ({language}, {width} px)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    offer.tap()
    assert picker.input_value() == "America/Los_Angeles" and offer.count() == 0
    follow(page, page.get_by_role("button", name=words["save"], exact=True))
    page.get_by_text(words["saved"]).wait_for()
    assert stored_zone(live_server, email) == "America/Los_Angeles"
    # the phone's zone is the stored one now: nothing more to offer
    assert page.locator("#profile-timezone").input_value() == "America/Los_Angeles"
    assert page.get_by_role("button", name=words["offer"]).count() == 0
    a11y.check(page, f"settings saved ({language}, {width} px)")

    page.goto(f"/enrollments/{enrollment_id}/checkin")
    assert words["open_until"] in page.locator("main").inner_text()
    assert "Etc/UTC" not in page.content()
    a11y.check(page, f"check-in ({language}, {width} px)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    a11y.assert_clean()


def test_an_empty_zone_field_gets_the_phones_zone(live_server, phone):
    """The picker fills an empty field by itself (as on a launch form): here a member with no
    zone stored at all."""
    email, _enrollment = seed_member_in_a_utc_challenge(live_server, "en")
    with live_server.app.app_context():
        db.session.query(Member).filter_by(email=email).update({"timezone": ""})
        db.session.commit()
        db.session.remove()
    page = phone(locale="en-GB", timezone_id="Europe/Berlin")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    follow(page, page.locator("form button[type=submit]").first)
    page.goto("/account")
    assert page.locator("#profile-timezone").input_value() == "Europe/Berlin"
    follow(page, page.get_by_role("button", name="Save", exact=True))
    page.get_by_text("Your settings are saved.").wait_for()
    assert stored_zone(live_server, email) == "Europe/Berlin"
