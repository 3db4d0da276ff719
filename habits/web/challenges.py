"""Challenge pages: the rules in plain words, the stakes with a worked example and what quitting
costs on each day (both computed by the domain code that moves the money), who is in, and joining.

Community pages are in ``habits.web.communities``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.lists import format_list
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from habits.domain.calendar import day_date, day_window, due_at
from habits.domain.lifecycle import LIVE, EnrollmentStatus
from habits.domain.worked_example import WorkedDay, quit_costs, worked_day
from habits.extensions import db
from habits.models import Challenge, ChallengeStatus, Community, Split, Squad
from habits.services import challenges, checkins, enrollments, visibility, wallets
from habits.services.dashboard import settled_days
from habits.services.errors import HabitsError
from habits.services.headcount import headcount
from habits.services.squads import reading as squad_reading
from habits.services.visibility import Audience
from habits.web import web_bp
from habits.web.edge import attempt, gateway, me, request_now
from habits.web.forms import EmptyForm
from habits.web.i18n import current_locale, money
from habits.web.organizer import referee_log_preview


def get_challenge_or_404(challenge_id: int) -> Challenge:
    """The challenge, for members of its community (and its participants); 404 for anyone else."""
    return visibility.visible_challenge(db.session, challenge_id, me())


# -- challenges -------------------------------------------------------------------------------


def worked_example(challenge: Challenge) -> WorkedDay:
    """Day 1 worked through with this challenge's rules, by the code that settles it."""
    return worked_day(
        challenge.deposit_minor,
        challenge.days,
        challenge.fee_bps,
        challenge.max_misses,
        random=challenge.split == Split.RANDOM,
    )


@dataclass(frozen=True)
class QuitRow:
    """Quitting before day ``day_index`` is settled (at ``settles_at``) sends ``to_pot`` to the pot."""

    day_index: int
    settles_at: datetime
    to_pot: int
    settled_before: int


#: a long challenge lists its first days and its last ones (each day between costs one stake less)
QUIT_ROWS_HEAD, QUIT_ROWS_TAIL = 28, 3


def quit_rows(challenge: Challenge) -> tuple[list[QuitRow], list[QuitRow]]:
    """What quitting costs on each day, from the domain's stakes: the first days, and the last
    ones when the challenge is too long to list every day (else an empty list)."""
    schedule = challenge.schedule()
    rows = [
        QuitRow(cost.day_index, due_at(schedule, cost.day_index, challenge.review_minutes), cost.to_pot,
                cost.settled_before)
        for cost in quit_costs(challenge.deposit_minor, challenge.days)
    ]  # fmt: skip
    if len(rows) <= QUIT_ROWS_HEAD + QUIT_ROWS_TAIL:
        return rows, []
    return rows[:QUIT_ROWS_HEAD], rows[-QUIT_ROWS_TAIL:]


def draw_text(amounts: tuple[int, ...], currency: str) -> str:
    """An example draw's shares as a list in the reader's language ("a, b and c", "a、b和c")."""
    return format_list([money(amount, currency) for amount in amounts], locale=current_locale())


def my_squad_numbers(challenge: Challenge) -> squad_reading.SquadNumbers | None:
    """The member's squad in the challenge, with today's numbers (None without one)."""
    squad_id = squad_reading.my_squad_id(db.session, challenge, me())
    if squad_id is None:
        return None
    squad = db.session.get(Squad, squad_id)
    return squad_reading.numbers_of(db.session, challenge, squad, now=request_now())


@web_bp.get("/challenges/<id:challenge_id>")
@login_required
def challenge(challenge_id: int):
    challenge = get_challenge_or_404(challenge_id)
    community = db.session.get(Community, challenge.community_id)
    days = settled_days(db.session, challenge)
    enrollment = enrollments.enrollment_of(db.session, challenge.id, current_user.id)
    balances = wallets.wallet_view(db.session, me(), page=1, per_page=1, now=request_now()).balances
    wallet_minor = next((b["available_minor"] for b in balances if b["currency"] == challenge.currency), 0)
    sight = visibility.challenge_sight(db.session, challenge, me())
    is_member, organizing = sight.member, sight.organizer
    feed, my_squad = [], None
    if sight.sees(Audience.PARTICIPANTS):
        feed, _ = checkins.challenge_feed(db.session, challenge, me(), page=1, per_page=10)
        my_squad = my_squad_numbers(challenge)
    schedule = challenge.schedule()
    first_open, first_close = day_window(schedule, 0)
    enrolling = challenge.status == ChallengeStatus.ENROLLING and request_now() < challenge.day_zero_opens_at
    quit_head, quit_tail = quit_rows(challenge)
    return render_template(
        "challenges/detail.html",
        challenge=challenge,
        community=community,
        heads=headcount(db.session, challenge),
        pot_minor=challenges.pot_minor(db.session, challenge),
        settled=days,
        enrollment=enrollment,
        # a member whose enrollment ended (left before day 0) may join again while joining is open
        live=enrollment is not None and enrollment.status in LIVE,
        wallet_minor=wallet_minor,
        example=worked_example(challenge),
        draw_text=draw_text,
        quit_head=quit_head,
        quit_tail=quit_tail,
        enrolling=enrolling,
        next_open=None
        if enrolling
        else challenges.next_open_in_community(db.session, challenge, now=request_now()),
        first_open=first_open,
        first_close=first_close,
        last_date=day_date(schedule, challenge.days - 1),
        is_member=is_member,
        organizing=organizing,
        feed=feed,
        my_squad=my_squad,
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
