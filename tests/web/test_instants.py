"""The rules every page's instants follow (habits/web/instants.py, i18n.format_locale): the
reader's own zone, named when it is not the challenge's; the day said when the reader's date is
not the challenge's; no seconds; the reader's locale with its region, for dates, numbers and the
amounts they type. Readers in Los Angeles, Berlin, New York and Shanghai; across daylight-saving
changes; in en_GB, en_US, en_DE and zh_CN."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_login import login_user

from habits.models import Challenge, Member
from habits.services.checkins import CheckInClosed
from habits.web.amounts import AmountRefused, read_amount, refusal_message
from habits.web.i18n import day_label, format_locale, money, money_input
from habits.web.instants import closes, soon, when, window_of_day, window_span, zone_differs, zone_label
from habits.web.refusals import friendly_error
from habits.web.zone_picker import read_zone, zone_options
from tests.timehelpers import local

NNBSP = "\u202f"  # CLDR's space before AM/PM
#: noon in Los Angeles on 8 December 2026 (winter: UTC-8)
NOON_LA = datetime(2026, 12, 8, 20, 0, tzinfo=UTC)


@contextmanager
def reading(app, *, zone: str | None = None, language: str = "en", region=None, accept="en", now=NOON_LA):
    """A request of a member in ``zone`` (None: a visitor not signed in) at ``now``."""
    environ = {"streakpot.now": now}
    with app.test_request_context("/", headers={"Accept-Language": accept}, environ_base=environ):
        if zone is not None:
            reader = Member(
                id=1, email="r@example.test", display_name="R", timezone=zone, locale=language, region=region
            )
            login_user(reader)  # in this request only: nothing is stored
        yield


def challenge(zone: str, start: date, open_hhmm: str, close_hhmm: str, days: int = 30) -> Challenge:
    def minutes(hhmm):
        hours, rest = hhmm.split(":")
        return int(hours) * 60 + int(rest)

    return Challenge(
        timezone=zone,
        start_date=start,
        days=days,
        open_minute=minutes(open_hhmm),
        close_minute=minutes(close_hhmm),
    )


# -- the reader's zone, named -------------------------------------------------------------------


def test_a_los_angeles_member_reads_a_utc_midnight_close_as_4_pm_with_the_zone_named(app):
    utc_day = challenge("Etc/UTC", date(2026, 12, 1), "00:00", "24:00")
    close = datetime(2026, 12, 9, 0, 0, tzinfo=UTC)  # 24:00 UTC on 8 December
    with reading(app, zone="America/Los_Angeles"):
        assert closes(close, "Etc/UTC") == f"4:00{NNBSP}PM (Los Angeles time)"
        assert zone_differs("Etc/UTC")
        # the whole window of that day, from Los Angeles: it opened the afternoon before
        assert (
            window_of_day(utc_day, 7) == f"4:00{NNBSP}PM the day before to 4:00{NNBSP}PM (Los Angeles time)"
        )
    with reading(app, zone="UTC"):  # a member in the challenge's own zone: "midnight", no zone
        assert closes(close, "Etc/UTC") == "midnight"
        assert not zone_differs("Etc/UTC")


def test_a_berlin_member_reads_a_shanghai_dawn_window_as_the_evening_before(app):
    dawn = challenge("Asia/Shanghai", date(2026, 12, 1), "05:00", "07:00")
    with reading(app, zone="Europe/Berlin", region="DE"):
        assert window_of_day(dawn, 7) == "22:00–midnight the evening before (Berlin time)"
    with reading(app, zone="Europe/Berlin", language="zh_Hans", region="CN"):
        assert window_of_day(dawn, 7) == "前一天晚上 22:00–午夜 24:00（柏林时间）"
    with reading(app, zone="Asia/Shanghai"):  # the challenge's own zone: as the rules say it
        assert window_of_day(dawn, 7) == f"5:00{NNBSP}AM–7:00{NNBSP}AM"


def test_a_new_york_member_reads_it_the_afternoon_before(app):
    dawn = challenge("Asia/Shanghai", date(2026, 12, 1), "05:00", "07:00")
    with reading(app, zone="America/New_York", accept="en-US"):
        assert window_of_day(dawn, 7) == f"4:00{NNBSP}PM–6:00{NNBSP}PM the day before (New York time)"


def test_a_shanghai_member_reads_a_new_york_evening_the_next_morning(app):
    evening = challenge("America/New_York", date(2026, 12, 1), "20:00", "23:00")
    with reading(app, zone="Asia/Shanghai", language="zh_Hans", accept="zh-CN"):
        assert window_of_day(evening, 7) == "第二天早上 09:00–12:00（上海时间）"
    with reading(app, zone="Asia/Shanghai", accept="en-GB"):
        assert window_of_day(evening, 7) == "09:00–12:00 the next morning (Shanghai time)"


def test_a_window_that_crosses_the_readers_midnight_says_each_bound_s_day(app):
    # 06:00-09:00 in Shanghai is 23:00 the day before to 02:00 in Berlin (winter)
    with reading(app, zone="Europe/Berlin", region="GB"):
        span = window_span(
            local("Asia/Shanghai", date(2026, 12, 8), "06:00"),
            local("Asia/Shanghai", date(2026, 12, 8), "09:00"),
            "Asia/Shanghai",
            date(2026, 12, 8),
        )
    assert span == "23:00 the evening before to 02:00 (Berlin time)"


def test_daylight_saving_moves_the_readers_time_not_the_rule(app):
    utc_day = challenge("UTC", date(2026, 3, 1), "00:00", "24:00")
    dawn = challenge("Asia/Shanghai", date(2026, 3, 20), "05:00", "07:00", days=20)
    with reading(app, zone="America/Los_Angeles", now=datetime(2026, 3, 7, 20, tzinfo=UTC)):
        # Los Angeles moves its clocks on 8 March 2026: the UTC close is 4 PM before, 5 PM after
        assert closes(datetime(2026, 3, 8, tzinfo=UTC), "UTC") == f"4:00{NNBSP}PM (Los Angeles time)"
        assert window_of_day(utc_day, 8).endswith(f"to 5:00{NNBSP}PM (Los Angeles time)")
    with reading(app, zone="Europe/Berlin", region="DE"):
        # Berlin moves on 29 March 2026: Shanghai's 05:00 is 22:00 the evening before, then 23:00
        assert window_of_day(dawn, 8) == "22:00–midnight the evening before (Berlin time)"  # 28 March
        assert window_of_day(dawn, 10) == "23:00 the evening before to 01:00 (Berlin time)"  # 30 March


# -- the day, relative to the reader's today ----------------------------------------------------


def test_soon_says_today_tomorrow_yesterday_or_the_date(app):
    with reading(app, zone="America/Los_Angeles", accept="en-US"):
        assert soon(NOON_LA + timedelta(hours=3), "America/Los_Angeles") == f"3:00{NNBSP}PM"
        assert soon(NOON_LA + timedelta(hours=13), "America/Los_Angeles") == f"tomorrow at 1:00{NNBSP}AM"
        assert soon(NOON_LA - timedelta(hours=14), "America/Los_Angeles") == f"yesterday at 10:00{NNBSP}PM"
        assert soon(NOON_LA + timedelta(days=3)) == f"Dec 11, 2026, 12:00{NNBSP}PM"
        # a Shanghai deadline, the evening before for Los Angeles... which is today here
        deadline = local("Asia/Shanghai", date(2026, 12, 9), "07:00")
        assert soon(deadline, "Asia/Shanghai") == f"3:00{NNBSP}PM (Los Angeles time)"


def test_the_closed_window_message_shows_no_seconds_and_names_the_zone(app):
    opens = local("Asia/Shanghai", date(2026, 12, 9), "05:00")  # 22:00 in Berlin, 8 December
    closed = CheckInClosed("Closed.", next_window_opens_at=opens.isoformat().replace("+00:00", "Z"))
    with reading(app, zone="Europe/Berlin", region="DE", now=datetime(2026, 12, 8, 9, tzinfo=UTC)):
        said = friendly_error(closed, zone="Asia/Shanghai")
    assert said == "Check-ins are closed right now. Next window: 22:00 (Berlin time)."
    with reading(
        app, zone="Asia/Shanghai", accept="zh-CN", language="zh_Hans", now=opens - timedelta(hours=8)
    ):
        said = friendly_error(closed, zone="Asia/Shanghai")
    assert said == "现在不在打卡时段。下次打卡：明天 05:00。"  # asked at 21:00 the day before


def test_a_visitor_reads_in_the_challenges_zone(app):
    with reading(app, zone=None, accept="en-GB"):
        assert closes(datetime(2026, 12, 9, tzinfo=UTC), "Asia/Shanghai") == "08:00"
        assert when(datetime(2026, 12, 9, tzinfo=UTC), "Asia/Shanghai") == "9 Dec 2026, 08:00"
        assert not zone_differs("Asia/Shanghai")


# -- formats: the reader's locale with its region -----------------------------------------------


@pytest.mark.parametrize(
    ("accept", "language", "expected_date", "expected_moment", "expected_money"),
    [
        ("en-US", "en", "Dec 8, 2026", f"Dec 8, 2026, 4:00{NNBSP}PM", "€1,234.50"),
        ("en-GB", "en", "8 Dec 2026", "8 Dec 2026, 16:00", "€1,234.50"),
        ("de-DE,en;q=0.8", "en", "8 Dec 2026", "8 Dec 2026, 16:00", "1.234,50\xa0€"),
        ("zh-CN", "zh_Hans", "2026年12月8日", "2026年12月8日 16:00", "€1,234.50"),
    ],
)
def test_dates_and_money_follow_the_browsers_region(
    app, accept, language, expected_date, expected_moment, expected_money
):
    with reading(app, zone="UTC", language=language, accept=accept):
        assert day_label(date(2026, 12, 8)) == expected_date
        assert when(datetime(2026, 12, 8, 16, tzinfo=UTC)) == expected_moment
        assert money(123450, "EUR") == expected_money


def test_the_members_region_wins_over_the_browsers(app):
    with reading(app, zone="Europe/Berlin", region="GB", accept="en-US"):
        assert str(format_locale()) == "en_GB" and day_label(date(2026, 12, 8)) == "8 Dec 2026"
    with reading(app, zone="Europe/Berlin", region=None, accept="en-US"):
        assert str(format_locale()) == "en_US"
    # English in a region CLDR has no English for: international English, day before month
    with reading(app, zone="Asia/Shanghai", region="CN", accept="en"):
        assert str(format_locale()) == "en_001" and day_label(date(2026, 12, 8)) == "8 Dec 2026"


def test_amounts_are_read_in_the_locale_they_are_shown_in(app):
    with reading(app, zone="Europe/Berlin", region="DE"):
        assert money_input(500, "EUR") == "5,00"
        assert read_amount("5,00", "EUR") == 500 and read_amount(money_input(123456, "EUR"), "EUR") == 123456
        assert read_amount("1.234,50", "EUR") == 123450
        with pytest.raises(AmountRefused) as refused:
            read_amount("5.00", "EUR")  # a German reader's "." groups thousands
        assert "Write it with “,” before any decimals and “.” only between thousands, e.g. 70,50." in (
            refusal_message(refused.value, "EUR")
        )
    with reading(app, zone="America/New_York", accept="en-US"):
        assert money_input(500, "EUR") == "5.00" and read_amount("5.00", "EUR") == 500
        with pytest.raises(AmountRefused):
            read_amount("5,00", "EUR")


# -- names of zones, and the picker's list -------------------------------------------------------


def test_zones_are_named_as_people_name_them(app):
    with reading(app, zone="UTC"):
        assert zone_label("America/Los_Angeles") == "Los Angeles time"
        assert zone_label("Etc/UTC") == zone_label("UTC") == "UTC"
        assert zone_label("Etc/GMT+5") == "UTC\u221205:00"  # the tz database's sign is the other way
    with reading(app, zone="UTC", language="zh_Hans", accept="zh-CN"):
        assert zone_label("Asia/Shanghai") == "上海时间"


def test_the_zone_picker_reads_what_people_type_and_lists_offsets_now():
    assert read_zone("america/los angeles") == "America/Los_Angeles"
    assert read_zone(" Europe/Berlin ") == "Europe/Berlin"
    assert read_zone("Asia/Calcutta") == "Asia/Calcutta"  # what some browsers still report
    assert read_zone("Mars/Olympus_Mons") is None and read_zone("../../etc/passwd") is None
    assert read_zone("") is None and read_zone("x" * 65) is None and read_zone(None) is None
    winter = {o.key: o.label for o in zone_options(datetime(2026, 12, 8, tzinfo=UTC))}
    summer = {o.key: o.label for o in zone_options(datetime(2026, 7, 8, tzinfo=UTC))}
    assert winter["America/Los_Angeles"] == "UTC-08:00 · Los Angeles"
    assert summer["America/Los_Angeles"] == "UTC-07:00 · Los Angeles"
    assert winter["Asia/Kolkata"] == "UTC+05:30 · Kolkata" and winter["UTC"] == "UTC+00:00 · UTC"
    assert "US/Pacific" not in winter and "Etc/GMT+5" not in winter
    keys = list(winter)
    assert keys.index("America/Los_Angeles") < keys.index("Europe/Berlin") < keys.index("Asia/Shanghai")
