"""The check-in page: one big button, plus the evidence the challenge asks for.

It is the page members open in the minute after waking, on a phone and a poor connection:
one small HTML document, no script needed, the button within reach of a thumb, and a clear
answer (checked in / the window opens at ...). The server's clock decides the day. Once checked
in, the member sees their rank of the day and streak (services/checkins/standing.py) and the
latest check-ins of the others (the feed's, text only: no image to load on a poor connection).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from habits.domain.calendar import due_at
from habits.domain.lifecycle import check_in_counts_for_money, may_check_in
from habits.domain.stakes import stake_for_day
from habits.extensions import db
from habits.models import Challenge
from habits.observability.metrics import CHECKINS
from habits.photo_files import NoPhoto, PhotoMissing, photo_store, send_photo, stored_photo
from habits.services import checkins, enrollments, feed, photos
from habits.services.errors import HabitsError
from habits.web import web_bp
from habits.web.appeal_views import PostedAsk, member_panels
from habits.web.edge import attach_field_errors, attempt, me, read
from habits.web.forms import CheckInForm
from habits.web.home import today_cards
from habits.web.refusals import friendly_error

#: how many of the others' latest check-ins the page shows once the member has checked in
OTHERS = 5


def render_checkin(enrollment, posted: PostedAsk, status: int):
    """The check-in page again, with an appeal form that was refused (its errors and text)."""
    challenge = db.session.get(Challenge, enrollment.challenge_id)
    return _render(enrollment, challenge, CheckInForm(formdata=None), status, posted=posted)


@web_bp.get("/checkin")
@login_required
def checkin_shortcut():
    """A bookmark for the home screen: straight to the check-in that is open now, if there is one."""
    cards = today_cards()
    open_now = [c for c in cards if c.today.window_open and not c.today.checked_in]
    if len(open_now) == 1:
        return redirect(url_for("web.checkin", enrollment_id=open_now[0].enrollment.id))
    return redirect(url_for("web.home"))


def _render(enrollment, challenge, form, status: int = 200, *, posted: PostedAsk | None = None):
    today = read(checkins.today, enrollment)
    panels = member_panels(enrollment, back="checkin", posted=posted)
    todays_checkin = place = None
    others: list = []
    if today.checked_in:
        own, _ = checkins.own_check_ins(db.session, enrollment, page=1, per_page=400)
        todays_checkin = next((c for c in own if c.day_index == today.day_index), None)
        if todays_checkin is not None:
            place = read(checkins.standing_of, todays_checkin)
            others = _latest_of_others(challenge)
    stake = due = None
    if today.day_index is not None:
        stake = stake_for_day(enrollment.deposit_minor, challenge.days, today.day_index)
        due = due_at(challenge.schedule(), today.day_index, challenge.review_minutes)
    can_check_in = today.window_open and not today.checked_in and may_check_in(enrollment.status)
    return (
        render_template(
            "checkin/checkin.html",
            enrollment=enrollment,
            challenge=challenge,
            today=today,
            todays_checkin=todays_checkin,
            form=form,
            can_check_in=can_check_in,
            appeal_panels=panels,
            voided_today=today.check_in_voided,
            place=place,
            others=others,
            stake=stake,
            due=due,
            for_money=may_check_in(enrollment.status) and check_in_counts_for_money(enrollment.status),
        ),
        status,
    )


@web_bp.route("/enrollments/<id:enrollment_id>/checkin", methods=["GET", "POST"])
@login_required
def checkin(enrollment_id: int):
    enrollment = enrollments.own_enrollment(db.session, enrollment_id, me())
    challenge = db.session.get(Challenge, enrollment.challenge_id)
    form = CheckInForm()
    if request.method == "GET":
        return _render(enrollment, challenge, form)
    if not form.validate_on_submit():
        return _render(enrollment, challenge, form, 422)
    try:
        photo = _photo_from_request()
    except HabitsError as exc:
        flash(friendly_error(exc), "error")
        attach_field_errors(form, exc.errors)
        return _render(enrollment, challenge, form, 422)
    evidence = checkins.Evidence(note=(form.note.data or "").strip() or None, value=form.number, photo=photo)
    outcome = attempt(
        checkins.check_in,
        enrollment,
        evidence=evidence,
        photo_store=photo_store() if photo else None,
        form=form,
        context={"zone": challenge.timezone},
    )
    if outcome.ok:
        CHECKINS.labels(source="web").inc()
        recorded = outcome.value
        if recorded.counts_for_money:
            flash(gettext("Checked in for day %(day)s. Well done!", day=recorded.day_index + 1), "success")
        else:
            flash(
                gettext("Checked in for day %(day)s: it counts for your streak.", day=recorded.day_index + 1),
                "success",
            )
        return redirect(url_for("web.checkin", enrollment_id=enrollment.id))
    if outcome.error.errors:
        return _render(enrollment, challenge, form, 422)
    return redirect(url_for("web.checkin", enrollment_id=enrollment.id))


def _latest_of_others(challenge) -> list:
    """The latest check-ins of the others in the challenge, as the feed shows them (who reads what,
    private photos); the feed's own first page, less the member's own."""
    page = read(feed.feed_page, challenge.id, me(), cursor=None, per_page=OTHERS + 1)
    return [item for item in page.items if item.member_id != me().id][:OTHERS]


def _photo_from_request() -> photos.Photo | None:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None  # an empty file input still sends a part, with no file name
    max_bytes = current_app.config["PHOTO_MAX_BYTES"]
    # One byte past the limit is enough to refuse; never read all of a huge file.
    data = upload.stream.read(max_bytes + 1)
    if not data:
        return None
    return photos.accept_photo(data, max_bytes=max_bytes)


@web_bp.get("/checkins/<id:checkin_id>/photo")
@login_required
def checkin_photo(checkin_id: int):
    """A check-in's photo, for the feed's readers; when marked private, its member and the organizers."""
    checkin = checkins.photo_check_in(db.session, checkin_id, me())
    try:
        data = stored_photo(checkin.photo_path, checkin.photo_content_type)
    except (NoPhoto, PhotoMissing):
        abort(404)
    return send_photo(data, checkin.photo_content_type)
