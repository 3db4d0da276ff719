"""The member's notifications page (``/notifications``) and the unread count of the header.

Each notification is written when read, in the reader's language and zone
(``habits.notify.render``). "Mark all as read" marks up to the newest one the page showed, so one
that arrived meanwhile stays unread. The header's count is one COUNT over the recipient's index,
run at most once per request and only for a signed-in member whose page shows the header.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from habits.extensions import db
from habits.notify.render import render_for
from habits.services import notifications as notices
from habits.web import web_bp
from habits.web.edge import attempt, me, page_arg, read
from habits.web.forms import EmptyForm

PER_PAGE = 20
MAX_ID = 2**63 - 1


class MarkReadForm(EmptyForm):
    #: the newest notification the page showed: it and every older one become read
    up_to_id = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])


def unread_notifications() -> int | None:
    """The signed-in member's unread count (None for a visitor), counted once per request."""
    if not current_user.is_authenticated:
        return None
    if "unread_notifications" not in g:
        g.unread_notifications = notices.unread_count(db.session, current_user.id)
    return g.unread_notifications


@web_bp.app_context_processor
def template_helpers() -> dict:
    return {"unread_notifications": unread_notifications}


@web_bp.get("/notifications")
@login_required
def notifications():
    member = me()
    page = page_arg()
    listed = read(notices.list_notifications, member, page=page, per_page=PER_PAGE)
    g.unread_notifications = listed.unread
    items = [(item, render_for(item, member)) for item in listed.items]
    newest = listed.items[0].id if listed.items and page == 1 else None
    return render_template(
        "notifications/list.html",
        items=items,
        unread=listed.unread,
        form=MarkReadForm(formdata=None, data={"up_to_id": newest}),
        page=page,
        pages=max(1, -(-listed.total // PER_PAGE)),
    )


@web_bp.post("/notifications/read")
@login_required
def notifications_read():
    form = MarkReadForm()
    if form.validate_on_submit():
        outcome = attempt(notices.mark_read, me(), up_to_id=form.up_to_id.data)
        if outcome.ok:
            flash(gettext("Your notifications are marked as read."), "success")
    else:
        flash(gettext("This form has expired. Go back, reload the page and try again."), "error")
    return redirect(url_for("web.notifications"))
