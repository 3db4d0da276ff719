"""An organizer on a phone, 360 and 390 px wide, in English and in Chinese, axe-core on every
page: from the home page (their communities and challenges, each dashboard one tap away) to the
launch form (zone menu, the preview following what is typed), its review, publishing; the new
challenge's rules page and its cancellation; then the dashboard of a running challenge: no
sideways scrolling, no table wider than the screen, day links at least 44 x 44 px."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from habits.extensions import db
from habits.models import Challenge, Enrollment
from habits.services import challenges, checkins, communities, enrollments, members
from tests.browser.conftest import PHONE, watch_csp
from tests.browser.test_flows import A11y, follow, sweep

pytestmark = pytest.mark.browser

PASSWORD = "browser-pass-1"
DEMO_CARD = "pm_card_visa"
#: long names, as people have them: the standings must still fit the screen
NAMES = ["Alexandra Featherstonehaugh", "欧阳娜娜", "Maximilian Oberhollenzer", "Lin"]
TARGET = 44
_tags = itertools.count(1)


@dataclass
class Organizer:
    email: str
    community_id: int
    community_name: str
    running_id: int
    running_title: str


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def seed(live_server, locale: str) -> Organizer:
    """An organizer (reading ``locale``) whose community runs a 3-day challenge (UTC) with four
    paying members; day 1 was settled (two checked in), so its dashboard has a statement link and
    standings."""
    tag = next(_tags)
    now = datetime.now(UTC)
    opens = now.replace(second=0, microsecond=0) + timedelta(minutes=2)
    open_minute = opens.hour * 60 + opens.minute
    close_minute = min(open_minute + 30, 1440)
    app = live_server.app
    with app.app_context():
        session = db.session

        def register(email, name, locale="en"):
            return members.register_member(
                session,
                email=email,
                password=PASSWORD,
                display_name=name,
                timezone="Asia/Shanghai",
                locale=locale,
                now=now,
                password_method="pbkdf2:sha256:1000",
            )

        organizer = register(f"organizer-o{tag}@browser.test", "Olivia Organizer", locale)
        community = communities.create_community(
            session, organizer, name=f"Dawn Readers {tag}", theme="reading", now=now
        )
        challenge = challenges.launch_challenge(
            session,
            community,
            organizer,
            rules={
                "title": f"Pages before breakfast {tag}",
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
        joined = []
        for n, name in enumerate(NAMES):
            player = register(f"player{n}-o{tag}@browser.test", f"{name} {tag}")
            joined.append(
                enrollments.enroll(
                    session, challenge, player, gateway=gateway, pay_from_wallet=False, now=now
                )
            )
        session.commit()
        for item in joined:
            gateway.confirm_payment(session, item.enrollment, card=DEMO_CARD, now=now)
        ids = [item.enrollment.id for item in joined]
        seeded = Organizer(organizer.email, community.id, community.name, challenge.id, challenge.title)
        session.commit()
        session.remove()
    sweep(live_server, opens + timedelta(seconds=30))
    with app.app_context():
        for enrollment_id in ids[:2]:
            enrollment = db.session.get(Enrollment, enrollment_id)
            evidence = checkins.Evidence(note="read 20 pages")
            checkins.check_in(db.session, enrollment, evidence=evidence, now=opens + timedelta(seconds=40))
        db.session.commit()
        db.session.remove()
    closes = opens.replace(hour=0, minute=0) + timedelta(minutes=close_minute)
    sweep(live_server, closes + timedelta(minutes=1, seconds=1))
    live_server.clock.set(closes + timedelta(minutes=2))
    return seeded


@pytest.fixture
def organizer_phone(browser, live_server, csp_violations):
    """A phone of the given width and language (the shared fixture has one width)."""
    contexts = []

    def open_phone(width: int, locale: str):
        context = browser.new_context(
            **{**PHONE, "viewport": {"width": width, "height": 844}},
            locale=locale,
            timezone_id="Asia/Shanghai",
            base_url=live_server.url,
        )
        context.set_default_timeout(10_000)
        watch_csp(context, csp_violations)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()
    assert csp_violations == [], "\n".join(csp_violations)


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    follow(page, page.locator("main form button.block[type=submit]"))
    page.wait_for_url("**/")


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px"


def tables_fit(page) -> None:
    """No table needs its own sideways scrolling either (the wrap would hide a column)."""
    hidden = page.evaluate(
        "Array.from(document.querySelectorAll('.table-wrap')).map(w => w.scrollWidth - w.clientWidth)"
    )
    assert hidden and max(hidden) <= 0, f"{page.url}: tables wider than the screen by {hidden} px"


def big_enough(locator) -> None:
    assert locator.count() > 0
    for i in range(locator.count()):
        box = locator.nth(i).bounding_box()
        assert box["width"] >= TARGET and box["height"] >= TARGET, box


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_an_organizer_launches_with_a_preview_and_a_review_and_reads_the_dashboard(
    live_server, organizer_phone, width, locale
):
    seeded = seed(live_server, "zh_Hans" if locale.startswith("zh") else "en")
    a11y = A11y()
    page = organizer_phone(width, locale)
    log_in(page, seeded.email)
    assert page.locator("html").get_attribute("lang") == ("zh-Hans" if locale.startswith("zh") else "en")

    # home: what they organize, each dashboard one tap away
    page.goto("/")
    section = page.locator("section[aria-labelledby=organizing-h]")
    section.get_by_text(seeded.running_title).wait_for()
    assert page.locator(f'a[href="/challenges/{seeded.running_id}/organize"]').count() == 1
    no_sideways_scroll(page)
    big_enough(section.locator("a.button"))
    a11y.check(page, f"home (organizer, {locale}, {width})")

    follow(page, page.locator(f'a[href="/communities/{seeded.community_id}/challenges/new"]'))
    a11y.check(page, f"launch form ({locale}, {width})")
    no_sideways_scroll(page)
    title = f"Evening pages {seeded.running_id}"
    page.locator("#title").fill(title)
    page.locator("#timezone").fill("Europe/Berlin")
    page.locator("#deposit").fill("100")
    page.locator("#days").fill("10")
    page.locator("#fee_percent").fill("2.5")
    # the nonce'd script asks the server for the preview as one types
    preview = page.locator("#launch-preview")
    preview.get_by_text("19.50").wait_for()  # R: 2 x 10.00, less the fee of 0.50
    assert "10.00" in preview.inner_text()

    # the preview step, without the script's help: the same numbers, the form as typed
    follow(page, page.locator("button[name=preview]"))
    assert page.locator("#deposit").input_value() == "100"
    assert page.locator("#timezone").input_value() == "Europe/Berlin"
    assert "19.50" in page.locator("#launch-preview").inner_text()
    a11y.check(page, f"launch form, preview ({locale}, {width})")

    # the review: the deposit as read, the rules, the example day; then publish
    follow(page, page.locator("form#launch-form button.block[type=submit]"))
    assert page.locator("#confirm-amount").inner_text().endswith("100.00")
    assert "19.50" in page.locator("main").inner_text()
    no_sideways_scroll(page)
    a11y.check(page, f"launch review ({locale}, {width})")
    follow(page, page.locator("button[name=confirm]"))
    page.wait_for_url("**/challenges/*")
    with live_server.app.app_context():
        launched = db.session.query(Challenge).filter_by(title=title).one()
        assert (launched.deposit_minor, launched.days, launched.timezone) == (10000, 10, "Europe/Berlin")
        launched_id = launched.id
        db.session.remove()

    # nobody joined yet: every rule may still change, and it may be cancelled (asked first)
    page.goto(f"/challenges/{launched_id}/rules")
    assert page.locator("#deposit").input_value() == "100.00"
    assert page.locator("#timezone").input_value() == "Europe/Berlin"
    no_sideways_scroll(page)
    a11y.check(page, f"rules ({locale}, {width})")
    follow(page, page.locator(f'form[action="/challenges/{launched_id}/cancel"] button'))
    no_sideways_scroll(page)
    a11y.check(page, f"cancel review ({locale}, {width})")
    follow(page, page.locator("button[name=confirm]"))
    page.wait_for_url(f"**/challenges/{launched_id}")
    with live_server.app.app_context():
        assert db.session.get(Challenge, launched_id).status == "cancelled"
        db.session.remove()

    # the running challenge's dashboard fits the phone; its day links are thumb-sized
    page.goto(f"/challenges/{seeded.running_id}/organize")
    page.locator("a.day-link").first.wait_for()
    no_sideways_scroll(page)
    tables_fit(page)
    big_enough(page.locator("a.day-link"))
    a11y.check(page, f"dashboard ({locale}, {width})")
    a11y.assert_clean()
