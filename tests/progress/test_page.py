"""The profile page: what it shows of a worked week, in the reader's zone and language, and
what it answers to odd months."""

from __future__ import annotations

import pytest

from tests.factories import at_local
from tests.progress.test_api import week  # noqa: F401  (the fixture)
from tests.timehelpers import travel
from tests.web.helpers import log_in, text_of


def _page(client, session, member, path, now):
    """``path`` as ``member`` reads it (a fresh browser each time: one member signed in)."""
    browser = client.application.test_client()
    with travel(now):
        log_in(browser, member)
        return browser.get(path)


def test_own_profile_shows_streaks_level_badges_and_the_month(client, session, week):  # noqa: F811
    ana, sunrise = week["ana"], week["sunrise"]
    response = _page(client, session, ana, f"/members/{ana.id}", at_local(sunrise, 5, "05:30"))
    assert response.status_code == 200
    text = text_of(response)
    assert "Your progress" in text
    assert "Level 2 · Starter" in text
    assert "4 valid check-ins · 3 more to the next level" in text
    assert "Earliest riser" in text and "Comeback" in text and "First check-in" in text
    # March 2026, days 2-4 and 6 checked in (Shanghai dates; Ana reads in UTC: 05:05 Shanghai is
    # 21:05 UTC the evening before)
    assert "March 2026" in text
    assert "4 days with a check-in this month" in text
    html = response.get_data(as_text=True)
    for day in (1, 2, 3, 5):
        assert f'<td class="checked"><span class="d">{day}</span>' in html


def test_the_page_in_chinese(client, session, week):  # noqa: F811
    ana, sunrise = week["ana"], week["sunrise"]
    ana.locale, ana.timezone = "zh_Hans", "Asia/Shanghai"
    session.commit()
    response = _page(client, session, ana, f"/members/{ana.id}", at_local(sunrise, 5, "05:30"))
    text = text_of(response)
    assert "你的进度" in text and "等级 2 · 起步" in text and "2026年3月" in text
    html = response.get_data(as_text=True)
    for day in (2, 3, 4, 6):
        assert f'<td class="checked"><span class="d">{day}</span>' in html


def test_another_member_sees_the_shared_challenge_only(client, session, week):  # noqa: F811
    ana, sunrise = week["ana"], week["sunrise"]
    text = text_of(_page(client, session, week["bo"], f"/members/{ana.id}", at_local(sunrise, 5, "05:30")))
    assert "Sunrise" in text and "Elsewhere" not in text
    response = _page(client, session, week["ed"], f"/members/{ana.id}", at_local(sunrise, 5, "05:30"))
    assert response.status_code == 404


@pytest.mark.parametrize("month", ["2026-13", "x", "2026-03-01", "99999999999999999999-1", "1900-01", "-1-1"])
def test_an_odd_month_is_not_found(client, session, week, month):  # noqa: F811
    ana, sunrise = week["ana"], week["sunrise"]
    response = _page(client, session, ana, f"/members/{ana.id}?month={month}", at_local(sunrise, 5, "05:30"))
    assert response.status_code == 404


def test_another_month(client, session, week):  # noqa: F811
    ana, sunrise = week["ana"], week["sunrise"]
    response = _page(client, session, ana, f"/members/{ana.id}?month=2026-04", at_local(sunrise, 5, "05:30"))
    text = text_of(response)
    assert "April 2026" in text and "0 days with a check-in this month" in text
