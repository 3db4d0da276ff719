"""Appeals on the pages: a member asks from their home, check-in or enrollment page (the panel
``templates/appeals/_ask.html``); an organizer decides from the dashboard's review
(``templates/appeals/_review.html``); and the photo a member sent with their request.

A refused form comes back on the page it was posted from, with its field errors and what was
typed, its first wrong field focused (``autofocus``, which also scrolls it into view: a fragment
in the form's action would keep browsers from focusing it); a refusal of the service (too late,
already decided...) is flashed on that page, scrolled to the panel. Who may do what
is ``habits.services.appeals``' (SPEC "Who sees what": a request is its member's and the
organizers'; 404 for everyone else, 403 for its member, who may not decide it).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext
from flask_login import login_required

from habits.extensions import db
from habits.photo_files import NoPhoto, PhotoMissing, photo_store, send_photo, stored_photo
from habits.services import appeals, enrollments, photos
from habits.services.errors import HabitsError
from habits.web import web_bp
from habits.web.appeal_views import PostedAsk, ask_prefix, decision_prefix
from habits.web.checkin import render_checkin
from habits.web.edge import attach_field_errors, attempt, me
from habits.web.enrollments import render_enrollment
from habits.web.forms import AppealAskForm, AppealDecisionForm
from habits.web.home import render_home
from habits.web.organizer import organized_challenge, render_dashboard

#: the pages an appeal may be asked from: how to go back to each, and to show it again
BACK = {
    "home": (lambda enrollment: url_for("web.home"), lambda enrollment, posted: render_home(posted, 422)),
    "checkin": (
        lambda enrollment: url_for("web.checkin", enrollment_id=enrollment.id),
        lambda enrollment, posted: render_checkin(enrollment, posted, 422),
    ),
    "enrollment": (
        lambda enrollment: url_for("web.enrollment", enrollment_id=enrollment.id),
        lambda enrollment, posted: render_enrollment(enrollment, posted, 422),
    ),
}


def _photo_of(form: AppealAskForm) -> photos.Photo | None:
    """The form's photo, re-encoded (photos.accept_photo); None when no file was chosen."""
    upload = form.photo.data
    if upload is None or not getattr(upload, "filename", None):
        return None  # an empty file input still sends a part, with no file name
    max_bytes = current_app.config["PHOTO_MAX_BYTES"]
    data = upload.stream.read(max_bytes + 1)  # one byte past the limit is enough to refuse
    return photos.accept_photo(data, max_bytes=max_bytes) if data else None


@web_bp.post("/enrollments/<id:enrollment_id>/days/<day:day_index>/appeal")
@login_required
def ask_appeal(enrollment_id: int, day_index: int):
    enrollment = enrollments.own_enrollment(db.session, enrollment_id, me())
    form = AppealAskForm(prefix=ask_prefix(enrollment.id, day_index))
    go_back, show_again = BACK.get(form.back.data, BACK["enrollment"])
    posted = PostedAsk(enrollment.id, day_index, form)
    if not form.validate_on_submit():
        return show_again(enrollment, posted)
    try:
        photo = _photo_of(form)
    except HabitsError as refusal:
        attach_field_errors(form, refusal.errors)
        return show_again(enrollment, posted)
    outcome = attempt(
        appeals.ask_appeal,
        enrollment.id,
        member=me(),
        day_index=day_index,
        reason=form.reason.data,
        photo=photo,
        photo_store=photo_store() if photo else None,
        form=form,
    )
    if outcome.ok:
        flash(
            gettext(
                "Your appeal of day %(day)s is sent: the organizers decide before it is settled.",
                day=day_index + 1,
            ),
            "success",
        )
        # back to the panel, which now says the appeal waits
        return redirect(f"{go_back(enrollment)}#appeal-{enrollment.id}-{day_index}")
    if form.errors:
        return show_again(enrollment, posted)
    return redirect(go_back(enrollment))  # the refusal is flashed at the top


@web_bp.post("/appeals/<id:appeal_id>/decision")
@login_required
def decide_appeal(appeal_id: int):
    appeal = appeals.visible_appeal(db.session, appeal_id, me())
    challenge = organized_challenge(appeal.challenge_id)
    form = AppealDecisionForm(prefix=decision_prefix(appeal.id))
    back = url_for("web.dashboard", challenge_id=challenge.id) + "#appeal-requests"
    if not form.validate_on_submit():
        return render_dashboard(challenge, appeal_decision=(appeal.id, form), status=422)
    accept = form.decision.data == "accept"
    outcome = attempt(
        appeals.decide_appeal, appeal.id, organizer=me(), accept=accept, reason=form.reason.data, form=form
    )
    if outcome.ok:
        day = appeal.day_index + 1
        if accept:
            flash(gettext("Appeal accepted: the check-in for day %(day)s is recorded.", day=day), "success")
        else:
            flash(gettext("Appeal refused: the member and the referee log show your reason."), "success")
    elif form.errors:
        return render_dashboard(challenge, appeal_decision=(appeal.id, form), status=422)
    return redirect(back)


@web_bp.get("/appeals/<id:appeal_id>/photo")
@login_required
def appeal_photo(appeal_id: int):
    """The photo a member sent with an appeal, for them and the community's organizers."""
    appeal = appeals.visible_appeal(db.session, appeal_id, me())
    try:
        data = stored_photo(appeal.photo_path, appeal.photo_content_type)
    except (NoPhoto, PhotoMissing):
        abort(404)
    return send_photo(data, appeal.photo_content_type)
