"""Home: for a signed-in member, today across their challenges (and, for an organizer, what they
organize: ``templates/organizer/_home.html``); for a visitor, what this is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import render_template
from flask_login import current_user

from habits.domain.calendar import day_date
from habits.domain.lifecycle import EnrollmentStatus
from habits.extensions import db
from habits.models import Challenge, ChallengeStatus, Community, Enrollment
from habits.services import checkins, enrollments, organizing
from habits.web import web_bp
from habits.web.appeal_views import AppealPanel, PostedAsk, member_panels
from habits.web.edge import me, read, request_now

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
    #: days still open to an appeal with something to say (a void, a miss, a request)
    appeals: list[AppealPanel] = field(default_factory=list)

    @property
    def voided_today(self) -> bool:
        """Today's check-in was voided: it must not read as done (the appeal panel says why)."""
        return self.today is not None and self.today.check_in_voided


def today_cards(posted: PostedAsk | None = None) -> list[TodayCard]:
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
        panels = member_panels(enrollment, back="home", posted=posted)
        if today.day_index is None and enrollment.status != EnrollmentStatus.PENDING_PAYMENT and not panels:
            continue  # the last window has closed (and its day is due): nothing to do today
        if enrollment.status in (EnrollmentStatus.ELIMINATED, EnrollmentStatus.WITHDRAWN) and (
            not today.window_open
        ):
            continue
        cards.append(TodayCard(enrollment, challenge, today, panels))
    # open windows without a check-in first: that is what the member came for
    cards.sort(key=lambda c: (not (c.today.window_open and not c.today.checked_in), c.enrollment.id))
    return cards


@dataclass(frozen=True)
class ChallengeCard:
    challenge: Challenge
    #: running: the day (1-based, as people read it) of the challenge's local today; else None
    day: int | None
    #: the local date of day 1 (the challenge's day 0)
    starts: date


@dataclass(frozen=True)
class CommunityCard:
    community: Community
    challenges: list[ChallengeCard]


def organized_cards() -> list[CommunityCard]:
    """The communities the member organizes, each with its enrolling and running challenges."""
    today = request_now()
    cards = []
    for item in organizing.organized(db.session, me()):
        shown = []
        for challenge in item.challenges:
            schedule = challenge.schedule()
            day = None
            if challenge.status == ChallengeStatus.RUNNING:
                local_today = today.astimezone(schedule.zone).date()
                day = min(max((local_today - challenge.start_date).days + 1, 1), challenge.days)
            shown.append(ChallengeCard(challenge, day, day_date(schedule, 0)))
        cards.append(CommunityCard(item.community, shown))
    return cards


@web_bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("home.html")
    return render_home()


def render_home(posted: PostedAsk | None = None, status: int = 200):
    """The signed-in member's today; ``posted``: an appeal form to show again with its errors."""
    organized = organized_cards()
    return render_template(
        "home.html",
        cards=today_cards(posted),
        organized=organized,
        organizes_a_running_challenge=any(c.day for item in organized for c in item.challenges),
    ), status
