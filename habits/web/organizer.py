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
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import login_required

from habits.domain.calendar import day_date, due_at, format_hhmm
from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.squads import DEFAULT_CAP as DEFAULT_SQUAD_SIZE
from habits.extensions import db
from habits.models import Challenge, ChallengeStatus, Community
from habits.services import challenges, chat_hooks, checkins, daymarks, feed, referees, visibility
from habits.services.dashboard import Dashboard, actionable_days, organizer_dashboard
from habits.services.errors import FieldError
from habits.services.squads import reading as squad_reading
from habits.services.visibility import Audience
from habits.web import launch_preview, web_bp
from habits.web.appeal_views import review_items
from habits.web.confirm import confirmed, render_confirmation, wants_change
from habits.web.edge import attach_field_errors, attempt, me, page_arg, read, request_now
from habits.web.forms import AppealForm, ChallengeForm, EmptyForm, ExcuseForm, VoidForm, choice
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
from habits.web.refusals import field_message, friendly_error
from habits.web.zone_picker import zone_options

#: the launch form's button that shows the form again with the preview of what was typed
PREVIEW = "preview"
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
    """Launch a challenge in three steps: the form (with its preview, updated on request), the
    review (``habits.web.confirm``: the deposit as read, the rules, the example day), publish."""
    community = visibility.visible_community(db.session, community_id, me())
    require_organizer(community.id)
    form = ChallengeForm()
    if not form.is_submitted():
        if valid_zone(me().timezone) and me().timezone != "UTC":
            form.timezone.data = me().timezone
        form.start_date.data = (request_now() + timedelta(days=2)).date()
    if form.validate_on_submit():
        # the rules that judge fields together are the service's: its coded field errors land,
        # translated, on the form's fields, before anyone is asked to confirm
        attach_field_errors(form, challenges.review_rules(form.rules(), now=request_now()))
        if form.errors or wants_change() or PREVIEW in request.form:
            pass  # the form again, filled in, with the preview of what was typed
        elif not confirmed(form.deposit_minor):
            return _confirm_launch(form, community)
        else:
            outcome = attempt(challenges.launch_challenge, community, me(), rules=form.rules(), form=form)
            if outcome.ok:
                flash(gettext("Challenge launched. Share its link with your members!"), "success")
                return redirect(url_for("web.challenge", challenge_id=outcome.value.id))
    return (
        render_template(
            "organizer/new_challenge.html",
            form=form,
            community=community,
            zones=zone_options(request_now()),
            **launch_preview.section(launch_preview.form_values(form)),
        ),
        422 if form.errors else 200,
    )


@web_bp.get("/communities/<id:community_id>/challenges/preview")
@login_required
def launch_preview_section(community_id: int):
    """The launch form's preview section for the money rules in the query (the page's script asks
    as one types): organizers of the community only, as the form."""
    community = visibility.visible_community(db.session, community_id, me())
    require_organizer(community.id)
    return render_template("organizer/_launch_preview.html", **launch_preview.section(request.args))


def _confirm_launch(form: ChallengeForm, community: Community):
    """The launch's review: the deposit as it was read, the rules members will pay under, and the
    example day worked by the same code as the form's preview."""
    rules = form.rules()
    currency, deposit = rules["currency"], rules["deposit_minor"]
    amount = money(deposit, currency)
    preview = launch_preview.preview_of(launch_preview.rules_of(rules))
    facts = [
        (form.start_date.label.text, day_label(rules["start_date"])),
        (form.days.label.text, days_count(rules["days"])),
        (gettext("Check-in window"), f"{rules['window_open']}–{rules['window_close']} ({rules['timezone']})"),
        *launch_preview.stake_facts(preview),
        (form.max_misses.label.text, str(rules["max_misses"])),
        (form.min_participants.label.text, str(rules["min_participants"])),
        (form.fee_percent.label.text, percent_of_bps(rules["fee_bps"])),
        (form.split.label.text, label(SPLITS, rules["split"])),
        (form.rest_days.label.text, str(rules["rest_days"])),
    ]
    if rules["squad_size"]:
        facts.append((form.squad_size.label.text, str(rules["squad_size"])))
    if rules["flash"]:
        facts.append((gettext("Flash challenge"), gettext("Yes")))
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
            *launch_preview.example_sentences(preview),
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
    void=None,
    appeal_decision=None,
    status=200,
):
    """The dashboard; a form that was posted with errors (``excuse``, ``appeal``, or ``void`` as
    (check-in id, form)) comes back as it was typed, its field marked and focused."""
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
            chat_hook=chat_hooks.hook_of(db.session, challenge.community_id),
            health=view.health,
            standings=view.standings,
            standings_total=view.standings_total,
            review=view.review,
            void_failed=void or (None, VoidForm()),
            cancel_form=EmptyForm() if cancellable(challenge) else None,
            excuse_form=excuse,
            appeal_form=appeal,
            appeal_review=review_items(challenge, posted=appeal_decision),
            feed_review=feed.review_lines(db.session, challenge.id),
            squads=squad_reading.squad_numbers(db.session, challenge, now=request_now()),
            relaunch=relaunch_fields(challenge),
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
    return _render_dashboard(challenge, void=(checkin.id, form), status=422)


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

#: the form's name of a money rule where it is not the service's (the API's)
FORM_NAMES = {"deposit_minor": "deposit", "fee_bps": "fee_percent"}
#: the money rules the rules page may offer, by form field (outage minutes are the API's alone)
FORM_RULES = tuple(FORM_NAMES.get(name, name) for name in challenges.MONEY_RULES if name != "outage_minutes")
#: the hidden field naming each rule the page offered as an input (the others keep their value)
OFFERED = "offered"
BOOLEAN_RULES = ("requires_photo", "requires_code_word")


def _rule_texts(challenge: Challenge) -> dict[str, list[str]]:
    """The challenge's rules as the form posts them (field -> its posted values)."""
    rules = challenges.rules_of(challenge)
    texts = {
        "timezone": rules["timezone"],
        "start_date": rules["start_date"].isoformat(),
        "window_open": rules["window_open"],
        "window_close": rules["window_close"],
        "currency": rules["currency"],
        "deposit": money_input(challenge.deposit_minor, challenge.currency),
        "fee_percent": format(Decimal(challenge.fee_bps) / 100, "f"),
        "split": str(getattr(rules["split"], "value", rules["split"])),
    }
    for name in ("days", "max_misses", "min_participants", "review_minutes", "rest_days"):
        texts[name] = str(rules[name])
    posted = {name: [value] for name, value in texts.items()}
    posted.update({name: ["y"] if rules[name] else [] for name in BOOLEAN_RULES})
    return posted


def relaunch_fields(challenge: Challenge) -> list[tuple[str, str]]:
    """The launch form's fields for the next challenge with this one's rules, starting the day
    after this one ends (or tomorrow in its zone, when that is later): the organizer's "Launch
    the next one" posts them, and the launch's confirmation is the one step left."""
    posted = _rule_texts(challenge)
    tomorrow = request_now().astimezone(ZoneInfo(challenge.timezone)).date() + timedelta(days=1)
    posted["start_date"] = [max(challenge.start_date + timedelta(days=challenge.days), tomorrow).isoformat()]
    posted["title"] = [challenge.title]
    posted["description"] = [challenge.description or ""]
    posted["value_label"] = [challenge.value_label or ""]
    posted["squad_size"] = [str(challenge.squad_size or DEFAULT_SQUAD_SIZE)]
    posted["squads"] = ["y"] if challenge.squad_size else []
    posted["flash"] = ["y"] if challenge.flash else []
    return [(name, value) for name, values in posted.items() for value in values]


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


def _posted_form(challenge: Challenge) -> ChallengeForm:
    """The posted form, each rule the page showed as frozen (neither posted nor marked as offered)
    filled in as it is now: the service then sees it unchanged. A rule that was posted, or offered
    (an unticked box posts nothing), keeps what was posted, so one that froze since the page was
    shown is refused by name rather than dropped."""
    formdata = request.form.copy()
    offered = set(request.form.getlist(OFFERED))
    for name, values in _rule_texts(challenge).items():
        if name not in offered and name not in request.form:
            formdata.setlist(name, values)
    return ChallengeForm(formdata=formdata)


def _frozen_hints(challenge: Challenge) -> dict[str, str]:
    """Form field -> why it can no longer change (translated), for the rules frozen now."""
    if challenge.status == ChallengeStatus.CANCELLED:
        frozen = {name: [FieldError("frozen_challenge_over", "")] for name in challenges.MONEY_RULES}
    elif request_now() >= challenge.day_zero_opens_at:
        frozen = {name: [FieldError("frozen_since_day_zero", "")] for name in challenges.MONEY_RULES}
    else:
        frozen = challenges.frozen_fields(db.session, challenge, challenges.MONEY_RULES)
    return {FORM_NAMES.get(name, name): field_message(errors[0]) for name, errors in frozen.items()}


def _rule_values(challenge: Challenge) -> dict[str, str]:
    """Each money rule as the page shows a frozen one (field -> words)."""
    yes, no = gettext("Yes"), gettext("No")
    return {
        "timezone": challenge.timezone,
        "start_date": day_label(challenge.start_date),
        "days": days_count(challenge.days),
        "window_open": format_hhmm(challenge.open_minute),
        "window_close": format_hhmm(challenge.close_minute),
        "currency": challenge.currency,
        "deposit": money(challenge.deposit_minor, challenge.currency),
        "max_misses": str(challenge.max_misses),
        "min_participants": str(challenge.min_participants),
        "fee_percent": percent_of_bps(challenge.fee_bps),
        "split": label(SPLITS, challenge.split),
        "review_minutes": str(challenge.review_minutes),
        "rest_days": str(challenge.rest_days),
        "requires_photo": yes if challenge.requires_photo else no,
        "requires_code_word": yes if challenge.requires_code_word else no,
    }


def cancellable(challenge: Challenge) -> bool:
    """SPEC: an organizer may cancel a challenge until day 0's window opens."""
    return challenge.status == ChallengeStatus.ENROLLING and request_now() < challenge.day_zero_opens_at


@web_bp.route("/challenges/<id:challenge_id>/rules", methods=["GET", "POST"])
@login_required
def edit_rules(challenge_id: int):
    """Change a challenge's title, description and, until they freeze, its rules: the page offers
    an input for exactly the rules that may still change (SPEC "Money rules freeze") and shows
    the others as they are, with since when they are frozen."""
    challenge = organized_challenge(challenge_id)
    form = _form_of(challenge) if request.method == "GET" else _posted_form(challenge)
    if form.validate_on_submit():
        outcome = attempt(challenges.update_challenge, challenge, me(), changes=form.rules(), form=form)
        if outcome.ok:
            flash(gettext("The challenge is updated."), "success")
            return redirect(url_for("web.challenge", challenge_id=challenge.id))
    frozen = _frozen_hints(challenge)
    return (
        render_template(
            "organizer/edit_rules.html",
            form=form,
            challenge=challenge,
            community=db.session.get(Community, challenge.community_id),
            zones=zone_options(request_now()),
            frozen=frozen,
            values=_rule_values(challenge),
            offered=[name for name in FORM_RULES if name not in frozen],
            cancel_form=EmptyForm() if cancellable(challenge) else None,
        ),
        422 if form.errors else 200,
    )


# -- cancelling before day 0 ------------------------------------------------------------------


@web_bp.post("/challenges/<id:challenge_id>/cancel")
@login_required
def cancel_challenge(challenge_id: int):
    """Cancel before day 0 (SPEC): asked first with what goes back, then every deposit is back in
    its member's wallet."""
    challenge = organized_challenge(challenge_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("web.dashboard", challenge_id=challenge.id))
    if not cancellable(challenge):
        flash(friendly_error(challenges.CancelTooLate("")), "error")
        return redirect(url_for("web.dashboard", challenge_id=challenge.id))
    members, held = challenges.held_deposits(db.session, challenge)
    if not confirmed(held):
        return _confirm_cancel(challenge, members, held)
    outcome = attempt(challenges.cancel_challenge, challenge, me())
    if outcome.ok:
        flash(gettext("The challenge is cancelled: every deposit is back in its member's wallet."), "success")
        return redirect(url_for("web.challenge", challenge_id=challenge.id))
    return redirect(url_for("web.dashboard", challenge_id=challenge.id))


def _confirm_cancel(challenge: Challenge, members: int, held: int):
    amount = money(held, challenge.currency)
    if held:
        back = ngettext(
            "%(num)d deposit paid so far, %(amount)s, goes back in full to its member's wallet.",
            "%(num)d deposits paid so far, %(amount)s in all, go back in full to their members' wallets.",
            members,
            amount=amount,
        )
    else:
        back = gettext("No deposit has been paid yet: no money moves.")
    return render_confirmation(
        title=gettext("Cancel “%(title)s”?", title=challenge.title),
        amount_minor=held,
        currency=challenge.currency,
        what_it_does=[
            back,
            gettext(
                "Members who have not paid yet can no longer pay; a payment that still arrives goes to "
                "their wallet."
            ),
            gettext("A cancelled challenge cannot be started again: launch a new one instead."),
        ],
        confirm_label=gettext("Cancel the challenge"),
        back_url=url_for("web.dashboard", challenge_id=challenge.id),
        danger=True,
    )
