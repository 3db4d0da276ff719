"""A member's profile on the phone: streaks, level, badges, finished challenges and a month of
check-ins as a calendar, in the reader's zone and language.

Who sees what is ``habits.services.progress``'s (SPEC): oneself; another member within the
challenges the reader takes part in or whose community they organize; 404 otherwise.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from habits.domain.levels import Badge
from habits.services import progress as progresses
from habits.unit_of_work import request_now
from habits.web import web_bp
from habits.web.edge import me, read
from habits.web.i18n import format_locale
from habits.web.instants import reader_zone

#: each badge's name and what earned it, in the reader's language
BADGES = {
    Badge.FIRST_CHECK_IN: (_l("First check-in"), _l("Checked in for the first time.")),
    Badge.STREAK_7: (_l("7-day streak"), _l("Seven days in a row in one challenge.")),
    Badge.STREAK_21: (_l("21-day streak"), _l("Twenty-one days in a row in one challenge.")),
    Badge.STREAK_66: (_l("66-day streak"), _l("Sixty-six days in a row: a habit.")),
    Badge.EARLIEST_RISER: (_l("Earliest riser"), _l("The first valid check-in of a day.")),
    Badge.TOP_THREE: (_l("Top three"), _l("Among the first three valid check-ins of a day.")),
    Badge.PERFECT_CHALLENGE: (_l("Perfect challenge"), _l("Finished a challenge without a miss.")),
    Badge.COMEBACK: (_l("Comeback"), _l("Back on track after a miss.")),
}
#: the levels' names (habits.domain.levels.LEVEL_NAMES), marked for translation here
LEVEL_WORDS = {
    "Newcomer": _l("Newcomer"),
    "Starter": _l("Starter"),
    "Regular": _l("Regular"),
    "Steady": _l("Steady"),
    "Committed": _l("Committed"),
    "Devoted": _l("Devoted"),
    "Centurion": _l("Centurion"),
    "Veteran": _l("Veteran"),
    "Year-rounder": _l("Year-rounder"),
    "Legend": _l("Legend"),
}


@dataclass(frozen=True)
class Month:
    """A month of check-in days as a grid of weeks (None outside the month)."""

    first: date
    title: str
    weekdays: list[tuple[str, str]]  # (short name, full name), in the locale's week order
    weeks: list[list[date | None]]
    checked: set[date]
    previous: str
    following: str
    today: date


def _month_arg(today: date) -> date:
    raw = request.args.get("month")
    if raw is None:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except (ValueError, OverflowError):
        abort(404)


def _shift(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_grid(first: date, check_ins: list[datetime], zone: str, today: date) -> Month:
    locale = format_locale()
    week_start = locale.first_week_day  # 0 = Monday
    grid = calendar.Calendar(firstweekday=week_start)
    weeks = [
        [d if d.month == first.month else None for d in week]
        for week in grid.monthdatescalendar(first.year, first.month)
    ]
    order = [(week_start + i) % 7 for i in range(7)]
    weekdays = [
        (
            locale.days["stand-alone"]["narrow"][i],
            locale.days["format"]["wide"][i],
        )
        for i in order
    ]
    tz = ZoneInfo(zone)
    checked = {instant.astimezone(tz).date() for instant in check_ins}
    return Month(
        first=first,
        title=babel_dates.format_skeleton("yMMMM", first, locale=locale),
        weekdays=weekdays,
        weeks=weeks,
        checked={d for d in checked if (d.year, d.month) == (first.year, first.month)},
        previous=_shift(first, -1).strftime("%Y-%m"),
        following=_shift(first, 1).strftime("%Y-%m"),
        today=today,
    )


@web_bp.get("/members/<id:member_id>")
@login_required
def member_profile(member_id: int):
    progress = read(progresses.member_progress, member_id, me())
    zone = reader_zone()
    today = request_now().astimezone(ZoneInfo(zone)).date()
    first = _month_arg(today)
    if not date(2000, 1, 1) <= first <= date(2100, 12, 1):
        abort(404)
    return render_template(
        "progress/profile.html",
        progress=progress,
        own=progress.member.id == me().id,
        month=month_grid(first, progress.check_ins, zone, today),
        badge_words=BADGES,
        level_words=LEVEL_WORDS,
    )
