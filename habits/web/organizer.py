"""Organizer pages: launch a challenge, change its rules (until they freeze), review check-ins
(void, excuse, appeal), and a small dashboard of the challenge's health (its figures come from
``habits.services.dashboard``); and the referee log, which the challenge's participants read
too. Starting a community is in ``habits.web.communities``.

An organizer who plays in the challenge sees the dashboard without the referee's forms, and who
may referee instead (``habits.services.referees``).

Who may open what is ``habits.services.visibility``'s: the dashboard (the challenge's health)
is for organizers only, 404 for everyone else; an action on a challenge (void, excuse, appeal) is
404 for whoever cannot see the challenge and 403 for its members who do not organize it;
launching a challenge is 403 for any signed-in member who does not organize the community.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from habits.domain.calendar import day_date, due_at
from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.stakes import daily_stakes
from habits.extensions import db
from habits.models import Challenge, Community
from habits.services import challenges, checkins, daymarks, referees, visibility
from habits.services.dashboard import Dashboard, actionable_days, organizer_dashboard
from habits.services.errors import FieldError
from habits.services.visibility import Audience
from habits.web import web_bp
from habits.web.appeal_views import review_items
from habits.web.confirm import confirmed, render_confirmation, wants_change
from habits.web.edge import attach_field_errors, attempt, me, page_arg, read, request_now
from habits.web.forms import COMMON_ZONES, AppealForm, ChallengeForm, ExcuseForm, VoidForm, choice
from habits.web.i18n import (
    SPLITS,
    day_label,
    days_count,
    label,
    money,
    money_input,
    percent_of_bps,
    valid_zone,
)
from habits.web.refusals import field_message

#: the newest decisions of the referee log shown on the dashboard and the challenge page
LOG_PREVIEW = 10
#: decisions per page of the whole referee log
LOG_PER_PAGE = 50


def require_organizer(community_id: int) -> None:
    """403 unless the member organizes the community (which any signed-in member sees)."""
    if not visibility.sight(db.session, me(), community_id).organizer:
        abort(403)


def organized_challenge(challenge_id: int) -> Challenge:
    """A challenge to act on: 404 for whoever cannot see it, 403 for its non-organizing members."""
    challenge = visibility.visible_challenge(db.session, challenge_id, me())
    require_organizer(challenge.community_id)
    return challenge


@web_bp.route("/communities/<id:community_id>/challenges/new", methods=["GET", "POST"])
@login_required
def new_challenge(community_id: int):
    community = visibility.visible_community(db.session, community_id, me())
    require_organizer(community.id)
    form = ChallengeForm()
    if not form.is_submitted():
        if valid_zone(me().timezone) and me().timezone != "UTC":
            form.timezone.data = me().timezone
        form.start_date.data = (request_now() + timedelta(days=2)).date()
    if form.validate_on_submit() and not wants_change():
        # the rules that judge fields together are the service's: its coded field errors land,
        # translated, on the form's fields, before anyone is asked to confirm
        attach_field_errors(form, challenges.review_rules(form.rules(), now=request_now()))
        if form.errors:
            pass
        elif not confirmed(form.deposit_minor):
            return _confirm_launch(form, community)
        else:
            outcome = attempt(challenges.launch_challenge, community, me(), rules=form.rules(), form=form)
            if outcome.ok:
                flash(gettext("Challenge launched. Share its link with your members!"), "success")
                return redirect(url_for("web.challenge", challenge_id=outcome.value.id))
    status = 422 if form.errors else 200
    return (
        render_template("organizer/new_challenge.html", form=form, community=community, zones=COMMON_ZONES),
        status,
    )


def _confirm_launch(form: ChallengeForm, community: Community):
    """The launch's review: the deposit as it was read, and the rules members will pay under."""
    rules = form.rules()
    currency, deposit = rules["currency"], rules["deposit_minor"]
    amount = money(deposit, currency)
    stake = daily_stakes(deposit, rules["days"])[0]
    facts = [
        (form.start_date.label.text, day_label(rules["start_date"])),
        (form.days.label.text, days_count(rules["days"])),
        (gettext("Check-in window"), f"{rules['window_open']}–{rules['window_close']} ({rules['timezone']})"),
        (gettext("Daily stake"), money(stake, currency)),
        (form.max_misses.label.text, str(rules["max_misses"])),
        (form.min_participants.label.text, str(rules["min_participants"])),
        (form.fee_percent.label.text, percent_of_bps(rules["fee_bps"])),
        (form.split.label.text, label(SPLITS, rules["split"])),
        (form.rest_days.label.text, str(rules["rest_days"])),
    ]
    return render_confirmation(
        title=gettext("Launch “%(title)s”?", title=rules["title"]),
        amount_minor=deposit,
        currency=currency,
        what_it_does=[
            gettext(
                "Each member of %(community)s who joins pays a deposit of %(amount)s. It comes back day "
                "by day as they check in; a missed day's stake goes to the pot.",
                community=community.name,
                amount=amount,
            ),
            gettext("The deposit and its currency can no longer change once the first member joins."),
        ],
        facts=facts,
        confirm_label=gettext("Launch at %(amount)s", amount=amount),
        change_label=gettext("Change the rules"),
        back_url=url_for("web.community", community_id=community.id),
    )


# -- review and the dashboard -----------------------------------------------------------------


def _day_choices(days: list[int]) -> list:
    return [choice(k, gettext("Day %(day)s", day=k + 1)) for k in days]


def _dashboard_forms(view: Dashboard, *, excuse=None, appeal=None) -> tuple[ExcuseForm, AppealForm]:
    """The excuse and appeal forms (the posted ones, or fresh), with the choices ``view`` allows."""
    excuse = excuse if excuse is not None else ExcuseForm(prefix="excuse")
    excuse.day.choices = _day_choices(view.excusable_days)
    appeal = appeal if appeal is not None else AppealForm(prefix="appeal")
    appeal.day.choices = _day_choices(view.appealable_days)
    appeal.enrollment_id.choices = [
        choice(s.enrollment_id, s.display_name) for s in view.standings if s.status == EnrollmentStatus.ACTIVE
    ]
    return excuse, appeal


def _render_dashboard(
    challenge: Challenge,
    view: Dashboard | None = None,
    *,
    excuse=None,
    appeal=None,
    void_errors=None,
    appeal_decision=None,
    status=200,
):
    view = view or read(organizer_dashboard, challenge, me())
    excuse, appeal = _dashboard_forms(view, excuse=excuse, appeal=appeal)
    schedule = challenge.schedule()
    return (
        render_template(
            "organizer/dashboard.html",
            may_referee=not referees.plays_in(db.session, challenge, me().id),
            free_referees=referees.free_referees(db.session, challenge),
            log=referee_log_preview(challenge),
            challenge=challenge,
            community=db.session.get(Community, challenge.community_id),
            health=view.health,
            standings=view.standings,
            standings_total=view.standings_total,
            review=view.review,
            void_form=VoidForm(),
            void_errors=void_errors or {},
            excuse_form=excuse,
            appeal_form=appeal,
            appeal_review=review_items(challenge, posted=appeal_decision),
            day_date=lambda k: day_date(schedule, k),
            due=lambda k: due_at(schedule, k, challenge.review_minutes),
        ),
        status,
    )


def render_dashboard(challenge: Challenge, *, appeal_decision=None, status: int = 200):
    """The dashboard again, with an appeal decision that was refused (``habits.web.appeals``)."""
    return _render_dashboard(challenge, appeal_decision=appeal_decision, status=status)


@web_bp.get("/challenges/<id:challenge_id>/organize")
@login_required
def dashboard(challenge_id: int):
    """The challenge's health and review queue: organizers only, 404 for everyone else."""
    challenge = visibility.visible_challenge(db.session, challenge_id, me(), Audience.ORGANIZERS)
    return _render_dashboard(challenge)


@web_bp.post("/checkins/<id:checkin_id>/void")
@login_required
def void_checkin(checkin_id: int):
    checkin = checkins.get_check_in(db.session, checkin_id)
    challenge = organized_challenge(checkin.challenge_id)
    form = VoidForm()
    if form.validate_on_submit():
        outcome = attempt(checkins.void_check_in, checkin, me(), reason=form.reason.data)
        if outcome.ok:
            flash(gettext("Check-in voided: it counts as a miss."), "success")
            return redirect(url_for("web.dashboard", challenge_id=challenge.id))
        return redirect(url_for("web.dashboard", challenge_id=challenge.id))
    return _render_dashboard(challenge, void_errors={checkin.id: form.reason.errors}, status=422)


@web_bp.post("/challenges/<id:challenge_id>/excuse")
@login_required
def excuse_day(challenge_id: int):
    challenge = organized_challenge(challenge_id)
    form = ExcuseForm(prefix="excuse")
    form.day.choices = _day_choices(actionable_days(challenge, now=request_now(), opened_only=False))
    if form.validate_on_submit():
        outcome = attempt(
            daymarks.excuse_day,
            challenge.id,
            organizer=me(),
            day_index=form.day.data,
            reason=form.reason.data,
        )
        if outcome.ok:
            flash(
                gettext("Day %(day)s is excused: nobody forfeits anything.", day=form.day.data + 1), "success"
            )
        return redirect(url_for("web.dashboard", challenge_id=challenge.id))
    return _render_dashboard(challenge, excuse=form, status=422)


@web_bp.post("/challenges/<id:challenge_id>/appeals")
@login_required
def accept_appeal(challenge_id: int):
    challenge = organized_challenge(challenge_id)
    view = read(organizer_dashboard, challenge, me())
    _excuse, form = _dashboard_forms(view, appeal=AppealForm(prefix="appeal"))
    if form.validate_on_submit():
        outcome = attempt(
            daymarks.accept_appeal,
            challenge.id,
            organizer=me(),
            day_index=form.day.data,
            enrollment_id=form.enrollment_id.data,
            reason=form.reason.data,
            form=form,
        )
        if outcome.ok:
            flash(
                gettext(
                    "Appeal accepted: their check-in for day %(day)s is recorded.", day=form.day.data + 1
                ),
                "success",
            )
        return redirect(url_for("web.dashboard", challenge_id=challenge.id))
    return _render_dashboard(challenge, view, appeal=form, status=422)


# -- the referee log --------------------------------------------------------------------------


def referee_log_preview(challenge: Challenge) -> dict | None:
    """The newest decisions and their number, for whoever may read the log (else None)."""
    if not referees.may_read_log(db.session, challenge, me()):
        return None
    lines, total = referees.referee_log(db.session, challenge, me(), page=1, per_page=LOG_PREVIEW)
    return {"lines": lines, "total": total}


@web_bp.get("/challenges/<id:challenge_id>/referee-log")
@login_required
def referee_log(challenge_id: int):
    """Every void, appeal and excuse, newest first: the challenge's participants and organizers
    (404 for anyone else, as for the API)."""
    challenge = challenges.get_challenge(db.session, challenge_id)
    page = page_arg()
    lines, total = referees.referee_log(db.session, challenge, me(), page=page, per_page=LOG_PER_PAGE)
    return render_template(
        "challenges/referee_log.html",
        challenge=challenge,
        community=db.session.get(Community, challenge.community_id),
        lines=lines,
        total=total,
        page=page,
        pages=max(1, -(-total // LOG_PER_PAGE)),
    )


# -- changing the rules -----------------------------------------------------------------------


def _form_of(challenge: Challenge) -> ChallengeForm:
    """The launch form, filled in with the challenge's rules as they are."""
    rules = challenges.rules_of(challenge)
    data = {
        **rules,
        "split": str(getattr(rules["split"], "value", rules["split"])),
        "deposit": money_input(challenge.deposit_minor, challenge.currency),
        "fee_percent": format(Decimal(challenge.fee_bps) / 100, "f"),
        "value_label": rules["value_label"] or "",
    }
    return ChallengeForm(data=data)


def _frozen_hints(challenge: Challenge) -> dict[str, str]:
    """Form field -> why it can no longer change (translated), for the rules frozen now."""
    if request_now() >= challenge.day_zero_opens_at:
        frozen = {name: [FieldError("frozen_since_day_zero", "")] for name in challenges.MONEY_RULES}
    else:
        frozen = challenges.frozen_fields(db.session, challenge, challenges.MONEY_RULES)
    aliases = {"deposit_minor": "deposit", "fee_bps": "fee_percent"}
    return {aliases.get(name, name): field_message(errors[0]) for name, errors in frozen.items()}


@web_bp.route("/challenges/<id:challenge_id>/rules", methods=["GET", "POST"])
@login_required
def edit_rules(challenge_id: int):
    """Change a challenge's title, description and, until they freeze, its rules."""
    challenge = organized_challenge(challenge_id)
    form = _form_of(challenge) if request.method == "GET" else ChallengeForm()
    if form.validate_on_submit():
        outcome = attempt(challenges.update_challenge, challenge, me(), changes=form.rules(), form=form)
        if outcome.ok:
            flash(gettext("The challenge is updated."), "success")
            return redirect(url_for("web.challenge", challenge_id=challenge.id))
    return (
        render_template(
            "organizer/edit_rules.html",
            form=form,
            challenge=challenge,
            community=db.session.get(Community, challenge.community_id),
            zones=COMMON_ZONES,
            frozen=_frozen_hints(challenge),
        ),
        422 if form.errors else 200,
    )
