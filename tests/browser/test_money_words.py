"""Money people can read, on a phone 360 and 390 px wide, in English and in Chinese: a winner's
wallet line says the day, the challenge, the stake and the share, and leads to that day's
statement (the reader's own lines first); the next challenge's page says what quitting costs on
each day before one joins. axe-core finds no serious or critical violation on any of them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from habits.domain.calendar import day_window, due_at
from habits.domain.worked_example import quit_costs
from habits.extensions import db
from habits.models import Enrollment
from habits.services import challenges, checkins, communities, enrollments, members
from habits.services.settlement import settle_due_days
from tests.browser.test_flows import A11y, follow

pytestmark = pytest.mark.browser

PASSWORD = "browser-pass-1"
DEMO_CARD = "pm_card_visa"
_tags = itertools.count(1)

WORDS = {
    "en": {
        "phone": "en-US",
        "winner_line": "Day 1 of “{title}”: stake back CN¥10.00 + share CN¥10.00",
        "statement": "Day 1 statement",
        "own_first": "Your own lines come first.",
        "you": "You",
        "quit_summary": "What quitting costs, day by day",
        "quit_row": "Day {day} is settled",
        "money": "CN¥{amount}",
    },
    "zh_Hans": {
        "phone": "zh-CN",
        "winner_line": "“{title}”第 1 天：份额返还 ¥10.00 + 分得奖池 ¥10.00",
        "statement": "第 1 天结算单",
        "own_first": "你自己的明细排在最前面。",
        "you": "你",
        "quit_summary": "每天退出的代价",
        "quit_row": "第 {day} 天结算",
        "money": "¥{amount}",
    },
}


@dataclass
class World:
    email: str
    title: str
    challenge_id: int
    next_id: int
    next_days: int
    read_at: datetime


def seed(live_server, locale: str) -> World:
    """A community with a 3-day challenge whose day 1 is settled: the reader checked in, the rival
    did not (their stake is the reader's share); and its next challenge, a month later."""
    tag = next(_tags)
    now = datetime.now(UTC)
    start = date.today() + timedelta(days=10)
    app = live_server.app
    with app.app_context():
        session = db.session

        def register(name, language="en"):
            return members.register_member(
                session, email=f"{name.lower()}{tag}-{locale}@words.test", password=PASSWORD,
                display_name=name,
                timezone="Asia/Shanghai", locale=language, now=now, password_method="pbkdf2:sha256:1000",
            )  # fmt: skip

        organizer, reader, rival = register("Olivia"), register("Mei", locale), register("Lin")
        community = communities.create_community(
            session, organizer, name=f"Words Club {tag}", theme="early-rise", now=now
        )
        rules = {
            "timezone": "Asia/Shanghai", "days": 3, "window_open": "05:00", "window_close": "07:00",
            "deposit_minor": 3000, "currency": "CNY", "max_misses": 1, "min_participants": 1,
        }  # fmt: skip
        first = challenges.launch_challenge(
            session,
            community,
            organizer,
            rules={**rules, "title": f"Up and out {tag}", "start_date": start},
            now=now,
        )
        later = challenges.launch_challenge(
            session, community, organizer,
            rules={**rules, "title": f"Up again {tag}", "start_date": start + timedelta(days=30), "days": 5},
            now=now,
        )  # fmt: skip
        gateway = app.extensions["streakpot.gateway"]
        joined = {}
        for member in (reader, rival):
            joined[member.id] = enrollments.enroll(
                session, first, member, gateway=gateway, pay_from_wallet=False, now=now
            ).enrollment
            session.commit()
            gateway.confirm_payment(session, joined[member.id], card=DEMO_CARD, now=now)
        schedule = first.schedule()
        opens, _closes = day_window(schedule, 0)
        settle_due_days(session, now=opens + timedelta(seconds=30), commit=session.commit)
        mine = session.get(Enrollment, joined[reader.id].id)
        checkins.check_in(
            session, mine, evidence=checkins.Evidence(note="up"), now=opens + timedelta(minutes=1)
        )
        session.commit()
        due = due_at(schedule, 0, first.review_minutes)
        result = settle_due_days(session, now=due + timedelta(seconds=1), commit=session.commit)
        assert result.settled == [(first.id, 0)], result
        world = World(reader.email, first.title, first.id, later.id, later.days, due + timedelta(minutes=5))
        session.remove()
    return world


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    follow(page, page.locator("main form button[type=submit], form[novalidate] button[type=submit]").first)


def fits(page, width: int) -> None:
    """Nothing makes the page scroll sideways (tables scroll inside their own region)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_a_wallet_line_leads_to_its_statement_and_the_next_challenge_says_what_quitting_costs(
    live_server, phone, locale, width
):
    world = seed(live_server, locale)
    words = WORDS[locale]
    live_server.clock.set(world.read_at)
    a11y = A11y()
    page = phone(locale=words["phone"])
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, world.email)

    page.goto("/wallet")
    line = page.get_by_role("link", name=words["winner_line"].format(title=world.title))
    line.wait_for()
    fits(page, width)
    a11y.check(page, f"wallet ({locale}, {width})")

    follow(page, line)
    page.get_by_role("heading", name=words["statement"]).wait_for()
    assert page.url.endswith(f"/challenges/{world.challenge_id}/days/0")
    assert words["own_first"] in page.content()
    first_row = page.locator("tbody tr").first
    assert first_row.get_attribute("class") == "mine"
    assert first_row.locator("td").first.inner_text().startswith(words["you"])
    fits(page, width)
    a11y.check(page, f"statement ({locale}, {width})")

    page.goto(f"/challenges/{world.next_id}")
    costs = page.locator("#quit-costs")
    assert costs.get_attribute("open") is not None  # open for someone who has not joined
    costs.locator("summary").get_by_text(words["quit_summary"]).wait_for()
    rows = costs.locator("tbody tr")
    assert rows.count() == world.next_days
    for row, cost in zip(rows.all(), quit_costs(3000, world.next_days), strict=True):
        assert words["quit_row"].format(day=cost.day_index + 1) in row.locator("th").inner_text()
        amount = f"{cost.to_pot // 100}.{cost.to_pot % 100:02d}"
        assert row.locator("td").first.inner_text() == words["money"].format(amount=amount)
    fits(page, width)
    a11y.check(page, f"challenge quit costs ({locale}, {width})")
    a11y.assert_clean()
