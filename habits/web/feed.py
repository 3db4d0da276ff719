"""The feed on the phone: a challenge's check-ins newest first (an "Older" link carries the
cursor), a cheer button, a check-in's comments with a comment form whose mentions are picked
from the participants, report, flag and delete. Every button is a form POST (no script needed).

Mentions, by member id: without script, the "Mention someone" box offers the participants'
"Name #id" entries (a datalist); with static/mention-picker.js, typing "@" in the comment asks
``feed_participants`` (JSON, this session's) and each name picked becomes a hidden ``mentions``
input. The server takes both.

Who sees what is ``habits.services.feed``'s (SPEC): the challenge's participants and the
organizers; 404 for everyone else.
"""

from __future__ import annotations

import re

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from habits.extensions import db
from habits.models import CheckIn, Comment
from habits.services import feed, visibility
from habits.services.feed.reading import MAX_CURSOR_LENGTH
from habits.web import web_bp
from habits.web.edge import attempt, me, read
from habits.web.forms import CheerForm, CommentForm, ReasonForm

PER_PAGE = 20
#: how many names the mention picker offers (the rest are typed as "Name #id")
PICKER_SIZE = 100
_MENTIONED = re.compile(r"#(\d{1,18})\b")
_MEMBER_ID = re.compile(r"\d{1,18}")
#: hidden ``mentions`` inputs read at most (the service refuses more than its own cap anyway)
MAX_PICKED = 50
#: names the live picker suggests for what follows "@"
SUGGESTIONS = 8
#: the longest "@..." the picker asks about (display names are at most 80 characters)
MAX_QUERY = 80


def _back(checkin: CheckIn) -> str:
    return url_for("web.feed_page", challenge_id=checkin.challenge_id) + f"#checkin-{checkin.id}"


def _readable(checkin_id: int) -> CheckIn:
    """The check-in, for the feed's readers; 404 for everyone else."""
    checkin, _ = feed_check_in(checkin_id)
    return checkin


def feed_check_in(checkin_id: int):
    return visibility.visible_feed_check_in(db.session, checkin_id, me())


@web_bp.get("/challenges/<id:challenge_id>/feed")
@login_required
def feed_page(challenge_id: int):
    cursor = request.args.get("cursor") or None
    if cursor is not None and len(cursor) > MAX_CURSOR_LENGTH:
        abort(400)
    squad = request.args.get("squad", type=int)
    if squad is not None and not 0 < squad < 2**63:
        abort(404)
    try:
        page = read(feed.feed_page, challenge_id, me(), cursor=cursor, per_page=PER_PAGE, squad=squad)
    except feed.BadCursor:
        abort(400)
    return render_template(
        "feed/feed.html",
        page=page,
        squad=squad,
        challenge=page.challenge,
        me_id=me().id,
        cheer_form=CheerForm(),
        flag_form=ReasonForm(prefix="flag"),
    )


@web_bp.post("/checkins/<id:checkin_id>/cheer")
@login_required
def feed_cheer(checkin_id: int):
    checkin = _readable(checkin_id)
    form = CheerForm()
    if form.validate_on_submit():
        attempt(feed.uncheer if form.undo.data == "1" else feed.cheer, checkin.id, me())
    return redirect(_back(checkin))


@web_bp.post("/checkins/<id:checkin_id>/flag")
@login_required
def feed_flag(checkin_id: int):
    checkin = _readable(checkin_id)
    form = ReasonForm(prefix="flag")
    if form.validate_on_submit():
        outcome = attempt(feed.flag, checkin.id, me(), reason=(form.reason.data or "").strip() or None)
        if outcome.ok:
            flash(gettext("Thank you: the organizers will look at this check-in."), "success")
    else:
        flash(gettext("A reason is at most 500 characters."), "error")
    return redirect(_back(checkin))


@web_bp.get("/challenges/<id:challenge_id>/participants.json")
@login_required
def feed_participants(challenge_id: int):
    """The mention picker's suggestions: participants whose name contains ``q``, by name."""
    q = (request.args.get("q") or "").strip()[:MAX_QUERY]
    people, _ = read(feed.participants, challenge_id, me(), q=q, page=1, per_page=SUGGESTIONS)
    response = jsonify(items=[{"id": member_id, "name": name} for member_id, name in people])
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _mentions(form: CommentForm) -> list[int]:
    """The ids picked (hidden ``mentions`` inputs), then those typed as "Name #id", once each."""
    picked = [int(v) for v in request.form.getlist("mentions")[:MAX_PICKED] if _MEMBER_ID.fullmatch(v)]
    typed = [int(found) for found in _MENTIONED.findall(form.mention.data or "")]
    return list(dict.fromkeys(picked + typed))


def render_comments(checkin: CheckIn, form: CommentForm, status: int = 200, picked: list[int] = ()):
    lines, total = read(feed.comments_of, checkin.id, me(), page=1, per_page=100)
    _, sight = feed_check_in(checkin.id)
    people, _ = read(feed.participants, checkin.challenge_id, me(), q="", page=1, per_page=PICKER_SIZE)
    names = dict(people)
    page = render_template(
        "feed/comments.html",
        checkin=checkin,
        lines=lines,
        total=total,
        form=form,
        report_form=ReasonForm(prefix="report"),
        delete_form=CheerForm(prefix="delete"),
        people=people,
        picked=[(member_id, names.get(member_id, f"#{member_id}")) for member_id in picked],
        me_id=me().id,
        organizer=sight.organizer,
    )
    return page, status


@web_bp.route("/checkins/<id:checkin_id>/comments", methods=["GET", "POST"])
@login_required
def feed_comments(checkin_id: int):
    """A check-in's comments, oldest first, and the form to add one."""
    checkin = _readable(checkin_id)
    form = CommentForm()
    if request.method == "GET":
        return render_comments(checkin, form)
    mentions = _mentions(form)
    if not form.validate_on_submit():
        return render_comments(checkin, form, 422, picked=mentions)
    outcome = attempt(feed.add_comment, checkin.id, me(), body=form.body.data, mentions=mentions, form=form)
    if not outcome.ok:
        return render_comments(checkin, form, 422, picked=mentions)
    return redirect(url_for("web.feed_comments", checkin_id=checkin.id) + f"#comment-{outcome.value.id}")


def _comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    _readable(comment.check_in_id)
    return comment


@web_bp.post("/comments/<id:comment_id>/delete")
@login_required
def feed_delete_comment(comment_id: int):
    comment = _comment(comment_id)
    checkin_id = comment.check_in_id
    if CheerForm(prefix="delete").validate_on_submit():
        attempt(feed.delete_comment, comment.id, me())
    return redirect(url_for("web.feed_comments", checkin_id=checkin_id))


@web_bp.post("/comments/<id:comment_id>/report")
@login_required
def feed_report(comment_id: int):
    comment = _comment(comment_id)
    form = ReasonForm(prefix="report")
    if form.validate_on_submit():
        outcome = attempt(
            feed.report_comment, comment.id, me(), reason=(form.reason.data or "").strip() or None
        )
        if outcome.ok:
            flash(gettext("Thank you: the organizers will look at this comment."), "success")
    return redirect(url_for("web.feed_comments", checkin_id=comment.check_in_id) + f"#comment-{comment.id}")
