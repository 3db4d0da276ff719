"""The organizer's forms, each with bad input: the launch form (field by field, exact messages, what
was typed kept, the first wrong field focused), its zone menu, preview and review steps; the rules
page (exactly the unfrozen rules offered); cancelling before day 0; the void and excuse forms of
the dashboard; and the organizer's part of the home page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Challenge, ChallengeStatus, CheckIn, ExcusedDay
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment, make_member
from tests.settlement.helpers import assert_books_clean, balance_of
from tests.timehelpers import travel
from tests.web.helpers import confirm, csrf_token, log_in, post_form, text_of
from tests.web.test_organizer_pages import GOOD_RULES

S = EnrollmentStatus


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Challenge))


def _input(page: str, name: str) -> str:
    """The whole <input ...> or <select ...> tag of the field ``name``."""
    match = re.search(rf'<(?:input|select|textarea)\b[^>]*\bname="{name}"[^>]*>', page)
    assert match, f"no field {name}"
    return match.group(0)


def _filled_in(page: str, **changes) -> MultiDict:
    """The text fields and hidden fields of the page's form as a browser would post them (every
    ``offered`` marker included), with ``changes`` (None: left out)."""
    fields = MultiDict()
    for tag in re.findall(r"<input\b[^>]*>", page):
        name, value = re.search(r'name="([a-z_]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and ('type="checkbox"' not in tag or "checked" in tag):
            fields.add(name.group(1), value.group(1))
    for name, options in re.findall(r'<select\b[^>]*name="([a-z_]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(
            r'<option[^>]*\bvalue="([^"]*)"[^>]*\bselected|<option[^>]*\bselected[^>]*\bvalue="([^"]*)"',
            options,
        )
        if chosen:
            fields.add(name, chosen.group(1) or chosen.group(2))
    for name, value in changes.items():
        fields.poplist(name)
        if value is not None:
            fields.add(name, value)
    return fields


def _error_of(page: str, field_id: str) -> str:
    match = re.search(rf'<p class="error-text" id="{field_id}-error">([^<]*)</p>', page)
    assert match, f"no error shown for {field_id}"
    return match.group(1)


@pytest.fixture
def launch_url(world):
    return f"/communities/{world.community.id}/challenges/new"


def _launch(client, world, launch_url, **changes):
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        return post_form(client, launch_url, {**GOOD_RULES, **changes})


# -- the launch form: bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "An amount cannot be negative: write it without the minus sign, e.g. 70.50."),
        ("1.999", "CNY amounts have at most 2 decimals."),
        ("0", "Write an amount above zero."),
        ("0.05", "The deposit must be at least CN¥0.10: the smallest coin for each of the 10 days."),
        ("", "Write an amount in CNY, e.g. 70.50."),
    ],
)
def test_a_bad_deposit_says_exactly_what_is_wrong_and_keeps_what_was_typed(
    client, session, world, launch_url, typed, message
):
    before = _count(session)
    response = _launch(client, world, launch_url, deposit=typed)
    page = text_of(response)
    assert response.status_code == 422
    assert _error_of(page, "deposit") == message
    tag = _input(page, "deposit")
    assert f'value="{typed}"' in tag and 'aria-invalid="true"' in tag and "autofocus" not in tag
    assert 'aria-describedby="deposit-hint deposit-error"' in tag
    assert page.count("autofocus") == 1  # the error summary takes the focus (it links to the field)
    assert _count(session) == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"start_date": "2026-02-30"}, "start_date", "Write a date as YYYY-MM-DD."),
        ({"start_date": "next monday"}, "start_date", "Write a date as YYYY-MM-DD."),
        (
            {"start_date": "2026-03-01"},
            "start_date",
            "Day 1&#39;s window has already opened: choose a later start date or window.",
        ),
        (
            {"window_open": "08:00", "window_close": "06:00"},
            "window_close",
            "The window must close after it opens (24:00 is the end of the day).",
        ),
        (
            {"window_open": "07:00", "window_close": "07:00"},
            "window_close",
            "The window must close after it opens (24:00 is the end of the day).",
        ),
        ({"window_open": "7h"}, "window_open", "Write a time as HH:MM, from 00:00 to 24:00 (e.g. 06:30)."),
        ({"days": "-5"}, "days", "A whole number from 1 to 366."),
        ({"days": "1.5"}, "days", "Write a whole number, e.g. 7."),
        ({"fee_percent": "-5"}, "fee_percent", "A percentage from 0 to 100, with at most two decimals."),
        ({"fee_percent": "1.999"}, "fee_percent", "A percentage from 0 to 100, with at most two decimals."),
        ({"min_participants": "0"}, "min_participants", "A whole number from 1 to 1000000."),
        ({"max_misses": "-5"}, "max_misses", "A whole number from 0 to 366."),
        ({"timezone": "Moon/Base"}, "timezone", "Choose a time zone from the list (e.g. Asia/Shanghai)."),
    ],
)
def test_each_bad_field_gets_its_own_message_next_to_it_and_keeps_what_was_typed(
    client, session, world, launch_url, changes, field, message
):
    before = _count(session)
    response = _launch(client, world, launch_url, **changes)
    page = text_of(response)
    assert response.status_code == 422
    assert _error_of(page, field) == message
    tag = _input(page, field)
    assert 'aria-invalid="true"' in tag and "autofocus" not in tag
    for name, typed in changes.items():
        assert f'value="{typed}"' in _input(page, name)
    assert "Please correct the marked fields." in page
    assert _count(session) == before


def test_the_zone_is_picked_from_the_list_with_each_zones_offset(client, session, world, launch_url):
    with travel(at_local(world.challenge, 0, "04:00")):  # March: Berlin on winter time
        log_in(client, world.organizer)
        page = text_of(client.get(launch_url))
    tag = _input(page, "timezone")
    # the shared picker (templates/_macros/zone_picker.html): the settings page has the same
    assert 'value="Asia/Shanghai"' in tag and 'list="timezone-zones"' in tag
    assert '<option value="Europe/Berlin">UTC+01:00 · Berlin</option>' in page
    assert '<option value="America/St_Johns">UTC-03:30 · St Johns</option>' in page


# -- the preview and review steps -----------------------------------------------------------------


def test_the_form_shows_the_preview_of_its_defaults(client, session, world, launch_url):
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        page = text_of(client.get(launch_url))
    # CN¥70.00 over 7 days, one miss allowed, no fee; ten members, two miss day 1
    assert "Daily stake" in page and "CN¥10.00" in page
    assert "Say 10 members play and 2 of them miss Day 1." in page
    assert "Each of them loses that day&#39;s stake of CN¥10.00 to the pot: CN¥20.00." in page
    assert "No fee is taken: all CN¥20.00 is shared among the 8 who checked in." in page
    assert "Each of them gets their stake of CN¥10.00 back plus a share of CN¥2.50: CN¥12.50." in page


def test_the_preview_step_shows_the_typed_rules_and_publishes_nothing(client, session, world, launch_url):
    before = _count(session)
    rules = {**GOOD_RULES, "deposit": "70.01", "days": "7", "max_misses": "0", "fee_percent": "3.33"}
    response = _launch(client, world, launch_url, **rules, preview="1")
    page = text_of(response)
    assert response.status_code == 200 and "Launch “Run before work”?" not in page
    # stakes 1000 x 6 and 1001; with no miss allowed each misser forfeits the whole 7001
    assert "CN¥10.00" in page and "Last day&#39;s stake" in page and "CN¥10.01" in page
    assert "each of them is eliminated and all CN¥70.01 of their deposit goes to the pot: CN¥140.02." in page
    # fee 14002 * 333 // 10000 = 466; 13536 among 8: 1692 each, nothing left over
    assert "The platform fee of 3.33% takes CN¥4.66; CN¥135.36 is shared among the 8 who checked in." in page
    assert "plus a share of CN¥16.92: CN¥26.92." in page
    assert 'value="70.01"' in _input(page, "deposit")  # the form, filled in as typed
    assert _count(session) == before


def test_the_preview_follows_bad_input_only_where_it_can(client, session, world, launch_url):
    response = _launch(client, world, launch_url, deposit="-5", preview="1")
    assert response.status_code == 422
    assert "The preview appears once the currency, deposit" in text_of(response)


def test_the_review_lists_the_example_then_publishing_launches(client, session, world, launch_url):
    with travel(at_local(world.challenge, 0, "04:00")):
        log_in(client, world.organizer)
        asked = post_form(client, launch_url, {**GOOD_RULES, "split": "random"})
        page = text_of(asked)
        assert "Launch “Run before work”?" in page and _count(session) == 1
        # 10000 over 10 days, one miss allowed, 2.5 % fee, lucky draw
        assert "Say 10 members play and 2 of them miss Day 1." in page
        assert (
            "The platform fee of 2.5% takes CN¥0.50; CN¥19.50 is shared among the 8 who checked in." in page
        )
        assert "a share of at least CN¥0.01; the shares add up to CN¥19.50." in page
        changed = client.post(
            launch_url, data={**dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page)), "change": "1"}
        )
        assert changed.status_code == 200 and 'value="Run before work"' in text_of(changed)
        response = confirm(client, launch_url, asked)
    assert response.status_code == 302
    assert _count(session) == 2


def test_the_preview_section_alone_for_the_pages_script(client, session, world):
    url = f"/communities/{world.community.id}/challenges/preview"
    query = "currency=JPY&deposit=7000&days=7&max_misses=1&min_participants=12&fee_percent=0&split=equal"
    log_in(client, world.organizer)
    section = text_of(client.get(f"{url}?{query}"))
    assert "<html" not in section and "Daily stake" in section and "¥1,000" in section
    assert "Say 12 members play and 2 of them miss Day 1." in section
    assert "The preview appears once" in text_of(client.get(f"{url}?deposit=x"))
    # 100 over 10 days, 2.5 % fee: 1950 among 8 is 243 each and 6 units over
    uneven = "currency=CNY&deposit=100&days=10&max_misses=1&min_participants=2&fee_percent=2.5&split=equal"
    section = text_of(client.get(f"{url}?{uneven}"))
    assert "plus a share of CN¥2.43: CN¥12.43." in section
    assert "6 of them, the earliest to check in, get CN¥0.01 more each" in section
    member = client.application.test_client()
    log_in(member, world.member)
    assert member.get(f"{url}?{query}").status_code == 403


# -- changing the rules: exactly what is not frozen -----------------------------------------------

MONEY_FIELDS = (
    "timezone", "start_date", "days", "window_open", "window_close", "currency", "deposit",
    "max_misses", "min_participants", "fee_percent", "split", "review_minutes", "rest_days",
    "requires_photo", "requires_code_word",
)  # fmt: skip
JOINED = {"timezone", "days", "currency", "deposit"}


def _offered(page: str) -> set[str]:
    return {name for name in MONEY_FIELDS if re.search(rf'<(?:input|select)\b[^>]*name="{name}"', page)}


@pytest.fixture
def fresh(session, world):
    """A challenge nobody has joined yet (the world's has a paid member)."""
    return make_challenge(session, world.community, title="Read at night", days=10, deposit_minor=10000)


def test_the_rules_page_offers_exactly_the_rules_that_may_still_change(client, session, world, fresh):
    url = f"/challenges/{fresh.id}/rules"
    with travel(at_local(fresh, -3, "12:00")):
        log_in(client, world.organizer)
        assert _offered(text_of(client.get(url))) == set(MONEY_FIELDS)
        waiting = make_enrollment(session, fresh, make_member(session), status=S.PENDING_PAYMENT)
        page = text_of(client.get(url))
        assert _offered(page) == set(MONEY_FIELDS) - JOINED
        assert 'id="deposit-frozen"' in page and "CN¥100.00" in page
        assert "Frozen since the first member joined." in page
        waiting.status = S.ACTIVE
        session.commit()
        page = text_of(client.get(url))
        assert _offered(page) == set()
        assert "Frozen since the first deposit was paid." in page
    with travel(at_local(fresh, 0, "05:00")):
        page = text_of(client.get(url))
    assert _offered(page) == set() and "Frozen since day 1&#39;s window opened." in page
    assert 'name="title"' in page and 'name="description"' in page and 'name="value_label"' in page


def test_saving_with_frozen_rules_not_on_the_page_changes_only_what_was_offered(
    client, session, world, fresh
):
    url = f"/challenges/{fresh.id}/rules"
    with travel(at_local(fresh, -3, "12:00")):
        make_enrollment(session, fresh, make_member(session), status=S.PENDING_PAYMENT)
        log_in(client, world.organizer)
        page = text_of(client.get(url))
        assert 'name="deposit"' not in page and 'value="deposit"' not in page
        posted = _filled_in(page, title="Read before bed", value_label="pages", max_misses="3")
        response = client.post(url, data=posted)
    assert response.status_code == 302, text_of(response)[:2000]
    session.refresh(fresh)
    assert (fresh.title, fresh.max_misses, fresh.value_label) == ("Read before bed", 3, "pages")
    assert (fresh.deposit_minor, fresh.days, fresh.timezone) == (10000, 10, "Asia/Shanghai")
    assert (fresh.requires_photo, fresh.split, fresh.fee_bps) == (False, "equal", 0)


def test_a_rule_that_froze_after_the_page_was_shown_is_refused_by_name(client, session, world, fresh):
    url = f"/challenges/{fresh.id}/rules"
    with travel(at_local(fresh, -3, "12:00")):
        log_in(client, world.organizer)
        token = csrf_token(client.get(url).data)
        make_enrollment(session, fresh, make_member(session), status=S.PENDING_PAYMENT)  # joins meanwhile
        response = client.post(
            url,
            data={"csrf_token": token, "title": "Read at night", "offered": ["deposit"], "deposit": "120"},
        )
    page = text_of(response)
    assert response.status_code == 422
    assert "Members have joined or paid under these rules" in page
    session.refresh(fresh)
    assert fresh.deposit_minor == 10000


def test_bad_input_on_the_rules_page_keeps_what_was_typed(client, session, world, fresh):
    url = f"/challenges/{fresh.id}/rules"
    with travel(at_local(fresh, -3, "12:00")):
        log_in(client, world.organizer)
        page = text_of(client.get(url))
        posted = _filled_in(page, deposit="-5", window_open="09:00", window_close="08:00")
        response = client.post(url, data=posted)
    page = text_of(response)
    assert response.status_code == 422
    assert _error_of(page, "deposit").startswith("An amount cannot be negative")
    assert 'value="-5"' in _input(page, "deposit") and "autofocus" not in _input(page, "deposit")
    session.refresh(fresh)
    assert fresh.deposit_minor == 10000


# -- cancelling before day 0 ----------------------------------------------------------------------


def test_an_organizer_cancels_before_day_zero_after_seeing_what_goes_back(client, session, world, fresh):
    with travel(at_local(fresh, -2, "09:00")):
        paid = [make_enrollment(session, fresh, make_member(session), status=S.ACTIVE) for _ in range(2)]
    dashboard = f"/challenges/{fresh.id}/organize"
    with travel(at_local(fresh, -1, "12:00")):
        log_in(client, world.organizer)
        assert "Cancel the challenge" in text_of(client.get(dashboard))
        asked = post_form(client, f"/challenges/{fresh.id}/cancel", form_page=dashboard)
        page = text_of(asked)
        assert "Cancel “Read at night”?" in page and "CN¥200.00" in page
        assert "2 deposits paid so far, CN¥200.00 in all, go back in full" in page
        session.refresh(fresh)
        assert fresh.status == ChallengeStatus.ENROLLING
        done = confirm(client, f"/challenges/{fresh.id}/cancel", asked)
        assert done.status_code == 302
        after = text_of(client.get(done.headers["Location"]))
        rules = text_of(client.get(f"/challenges/{fresh.id}/rules"))
    assert "The challenge is cancelled: every deposit is back in its member&#39;s wallet." in after
    assert _offered(rules) == set() and "Frozen: the challenge is cancelled." in rules
    assert "Cancel the challenge" not in rules
    session.refresh(fresh)
    assert fresh.status == ChallengeStatus.CANCELLED
    assert [balance_of(session, e.wallet_account_id) for e in paid] == [10000, 10000]
    assert_books_clean(session)


def test_no_cancelling_once_day_zero_opened_nor_by_members(client, session, world):
    url = f"/challenges/{world.challenge.id}/cancel"
    with travel(at_local(world.challenge, 0, "05:30")):
        log_in(client, world.organizer)
        dashboard = text_of(client.get(f"/challenges/{world.challenge.id}/organize"))
        assert "Cancel the challenge" not in dashboard
        response = post_form(client, url, form_page=f"/challenges/{world.challenge.id}/organize")
        assert response.status_code == 302
        page = text_of(client.get(response.headers["Location"]))
        assert "the challenge can no longer be cancelled" in page
        member = client.application.test_client()
        log_in(member, world.member)
        token = csrf_token(member.get("/").data)
        assert member.post(url, data={"csrf_token": token, "confirm": "yes"}).status_code == 403
    session.refresh(world.challenge)
    assert world.challenge.status == ChallengeStatus.ENROLLING


# -- the dashboard's void and excuse forms --------------------------------------------------------


def test_a_void_without_a_reason_comes_back_at_its_check_in_marked_and_focused(client, session, world):
    checkin = make_checkin(session, world.enrollment, 1, at=at_local(world.challenge, 1, "05:20"))
    with travel(at_local(world.challenge, 1, "06:30")):
        log_in(client, world.organizer)
        dashboard = f"/challenges/{world.challenge.id}/organize"
        page = text_of(client.get(dashboard))
        assert f'action="/checkins/{checkin.id}/void#checkin-{checkin.id}"' in page
        blank = post_form(client, f"/checkins/{checkin.id}/void", {"reason": "   "}, form_page=dashboard)
        too_long = post_form(
            client, f"/checkins/{checkin.id}/void", {"reason": "x" * 501}, form_page=dashboard
        )
    for response, typed, message in (
        (blank, "   ", "This field is required."),
        (too_long, "x" * 501, "At most 500 characters."),
    ):
        page = text_of(response)
        assert response.status_code == 422
        tag = _input(page, "reason")
        assert f'value="{typed}"' in tag and 'aria-invalid="true"' in tag and "autofocus" in tag
        assert f'aria-describedby="void-error-{checkin.id}"' in tag
        # the error sits right under the field, inside its form
        assert re.search(
            rf'{re.escape(tag)}\s*<p class="error-text" id="void-error-{checkin.id}">{message}</p>', page
        )
    session.refresh(checkin)
    assert checkin.voided_at is None


def test_an_excuse_without_a_reason_keeps_the_day_and_focuses_the_reason(client, session, world):
    with travel(at_local(world.challenge, 2, "06:00")):
        log_in(client, world.organizer)
        dashboard = f"/challenges/{world.challenge.id}/organize"
        page = text_of(client.get(dashboard))
        assert f'action="/challenges/{world.challenge.id}/excuse#excuse-h"' in page
        response = post_form(
            client,
            f"/challenges/{world.challenge.id}/excuse",
            {"excuse-day": "3", "excuse-reason": ""},
            form_page=dashboard,
        )
    page = text_of(response)
    assert response.status_code == 422
    tag = _input(page, "excuse-reason")
    assert 'aria-invalid="true"' in tag and "autofocus" in tag and page.count("autofocus") == 1
    assert _error_of(page, "excuse-reason") == "This field is required."
    assert '<option selected value="3">Day 4</option>' in page
    assert session.scalar(select(func.count()).select_from(ExcusedDay)) == 0
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 0


# -- the organizer's home -------------------------------------------------------------------------


def test_the_organizers_home_lists_communities_and_challenges_with_their_dashboards(client, session, world):
    world.challenge.status = ChallengeStatus.RUNNING
    upcoming = make_challenge(session, world.community, title="Spring reading", start_date=date(2026, 4, 6))
    session.commit()
    with travel(at_local(world.challenge, 2, "09:00")):
        log_in(client, world.organizer)
        page = text_of(client.get("/"))
    assert "You have no challenge running today." not in page
    assert "You organize" in page and "Sunrise Club" in page
    assert "Rise by seven" in page and "Day 3 of 7" in page
    assert "Spring reading" in page and "open for joining; Day 1 is Apr 6, 2026" in page
    assert f'href="/challenges/{world.challenge.id}/organize"' in page
    assert f'href="/challenges/{upcoming.id}/organize"' in page
    assert f'href="/communities/{world.community.id}/challenges/new"' in page
    # a member who organizes nothing sees no such part
    member = client.application.test_client()
    log_in(member, world.bystander)
    assert "You organize" not in text_of(member.get("/"))
