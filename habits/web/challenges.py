"""Challenge pages: the rules in plain words, the stakes with a worked example, and joining.

Community pages are in ``habits.web.communities``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from habits.domain.calendar import day_date, day_window
from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.split import fee_for, split_equal
from habits.domain.stakes import daily_stakes
from habits.extensions import db
from habits.models import Challenge, ChallengeStatus, Community
from habits.services import challenges, checkins, enrollments, visibility, wallets
from habits.services.dashboard import settled_days
from habits.services.errors import HabitsError
from habits.services.visibility import Audience
from habits.web import web_bp
from habits.web.edge import attempt, gateway, me, request_now
from habits.web.forms import EmptyForm
from habits.web.organizer import referee_log_preview


def get_challenge_or_404(challenge_id: int) -> Challenge:
    """The challenge, for members of its community (and its participants); 404 for anyone else."""
    return visibility.visible_challenge(db.session, challenge_id, me())


# -- challenges -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkedExample:
    """Numbers for the 'what it means for you' paragraph, computed with the real rules."""

    stake: int
    last_stake: int
    back_if_one_miss: int
    members: int
    missers: int
    pot: int
    fee: int
    share: int


def worked_example(challenge: Challenge) -> WorkedExample:
    stakes = daily_stakes(challenge.deposit_minor, challenge.days)
    members, missers = 10, 2
    pot = missers * stakes[0]
    fee = fee_for(pot, challenge.fee_bps)
    shares = split_equal(pot - fee, members - missers) if pot - fee > 0 else [0]
    return WorkedExample(
        stake=stakes[0],
        last_stake=stakes[-1],
        back_if_one_miss=challenge.deposit_minor - stakes[0],
        members=members,
        missers=missers,
        pot=pot,
        fee=fee,
        share=min(shares),
    )


@web_bp.get("/challenges/<id:challenge_id>")
@login_required
def challenge(challenge_id: int):
    challenge = get_challenge_or_404(challenge_id)
    community = db.session.get(Community, challenge.community_id)
    counts = challenges.enrollment_counts(db.session, challenge)
    days = settled_days(db.session, challenge)
    enrollment = enrollments.enrollment_of(db.session, challenge.id, current_user.id)
    balances = wallets.wallet_view(db.session, me(), page=1, per_page=1, now=request_now()).balances
    wallet_minor = next((b["available_minor"] for b in balances if b["currency"] == challenge.currency), 0)
    sight = visibility.challenge_sight(db.session, challenge, me())
    is_member, organizing = sight.member, sight.organizer
    feed = []
    if sight.sees(Audience.PARTICIPANTS):
        feed, _ = checkins.challenge_feed(db.session, challenge, me(), page=1, per_page=10)
    schedule = challenge.schedule()
    first_open, first_close = day_window(schedule, 0)
    return render_template(
        "challenges/detail.html",
        challenge=challenge,
        community=community,
        counts=counts,
        playing=counts.get("active", 0) + counts.get("completed", 0) + counts.get("eliminated", 0),
        pot_minor=challenges.pot_minor(db.session, challenge),
        settled=days,
        enrollment=enrollment,
        wallet_minor=wallet_minor,
        example=worked_example(challenge),
        enrolling=challenge.status == ChallengeStatus.ENROLLING
        and request_now() < challenge.day_zero_opens_at,
        first_open=first_open,
        first_close=first_close,
        last_date=day_date(schedule, challenge.days - 1),
        is_member=is_member,
        organizing=organizing,
        feed=feed,
        referee_log=referee_log_preview(challenge) if current_user.is_authenticated else None,
        join_form=EmptyForm(),
        EnrollmentStatus=EnrollmentStatus,
    )


@web_bp.post("/challenges/<id:challenge_id>/join")
@login_required
def join_challenge(challenge_id: int):
    # joining is the enrollment service's to allow (an open community's challenge joins it too)
    challenge = challenges.get_challenge(db.session, challenge_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("web.challenge", challenge_id=challenge.id))
    outcome = attempt(enrollments.enroll, challenge, me(), gateway=gateway(), pay_from_wallet=False)
    if outcome.ok:
        flash(gettext("You joined. One step left: pay the deposit."))
        return redirect(url_for("web.pay", enrollment_id=outcome.value.enrollment.id))
    error: HabitsError = outcome.error
    if error.extra.get("enrollment_id"):
        return redirect(url_for("web.enrollment", enrollment_id=error.extra["enrollment_id"]))
    if error.extra.get("community_id"):
        return redirect(url_for("web.community", community_id=error.extra["community_id"]))
    return redirect(url_for("web.challenge", challenge_id=challenge.id))
