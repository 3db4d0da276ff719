"""Home: for a signed-in member, today across their challenges; for a visitor, what this is."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_login import current_user

from habits.domain.lifecycle import EnrollmentStatus
from habits.extensions import db
from habits.models import Challenge, Enrollment
from habits.services import checkins, enrollments
from habits.web import web_bp
from habits.web.edge import me, read

#: enrollments shown on the home page: those that still have a today
CURRENT = (
    EnrollmentStatus.PENDING_PAYMENT,
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.SUSPENDED,
    EnrollmentStatus.ELIMINATED,
    EnrollmentStatus.WITHDRAWN,
)
HOME_LIMIT = 50


@dataclass(frozen=True)
class TodayCard:
    enrollment: Enrollment
    challenge: Challenge
    today: checkins.Today | None


def today_cards() -> list[TodayCard]:
    items, _total = enrollments.list_own_enrollments(db.session, me(), page=1, per_page=HOME_LIMIT)
    cards = []
    seen = set()
    for enrollment in items:
        # newest first: a member who left before day 0 and joined again sees the new enrollment
        if enrollment.challenge_id in seen:
            continue
        seen.add(enrollment.challenge_id)
        if enrollment.status not in CURRENT:
            continue
        challenge = db.session.get(Challenge, enrollment.challenge_id)
        today = read(checkins.today, enrollment)
        if today.day_index is None and enrollment.status != EnrollmentStatus.PENDING_PAYMENT:
            continue  # the last window has closed: nothing to do today
        if enrollment.status in (EnrollmentStatus.ELIMINATED, EnrollmentStatus.WITHDRAWN) and (
            not today.window_open
        ):
            continue
        cards.append(TodayCard(enrollment, challenge, today))
    # open windows without a check-in first: that is what the member came for
    cards.sort(key=lambda c: (not (c.today.window_open and not c.today.checked_in), c.enrollment.id))
    return cards


@web_bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("home.html")
    return render_template("home.html", cards=today_cards())
