"""Squads on the pages: the organizers' squads page with its regroup actions and history, and a
squad's page (its leaderboard and a link to its feed) for the challenge's participants."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required

from habits.extensions import db
from habits.models import Community
from habits.services import leaderboard
from habits.services.squads import placing, reading
from habits.web import web_bp
from habits.web.edge import attempt, me, read
from habits.web.forms import RegroupForm, choice
from habits.web.organizer import organized_challenge

HISTORY_SHOWN = 20
BOARD_SIZE = 50


def _squads_page(challenge, form: RegroupForm | None = None, status: int = 200):
    _challenge, numbers, mine = read(reading.list_squads, challenge.id, me())
    form = form or RegroupForm()
    form.squads.choices = [
        choice(n.squad.id, gettext("Squad %(number)s", number=n.squad.number)) for n in numbers
    ]
    changes, total = read(reading.history, challenge.id, me(), page=1, per_page=HISTORY_SHOWN)
    return (
        render_template(
            "organizer/squads.html",
            challenge=challenge,
            community=db.session.get(Community, challenge.community_id),
            numbers=numbers,
            form=form,
            changes=changes,
            changes_total=total,
        ),
        status,
    )


@web_bp.get("/challenges/<id:challenge_id>/squads")
@login_required
def squads(challenge_id: int):
    """The challenge's squads with today's numbers, the regroup actions and the history:
    organizers (404 for whoever cannot see the challenge, 403 for its other members)."""
    return _squads_page(organized_challenge(challenge_id))


@web_bp.post("/challenges/<id:challenge_id>/squads/regroup")
@login_required
def regroup_squads(challenge_id: int):
    challenge = organized_challenge(challenge_id)
    form = RegroupForm()
    form.squads.choices = [
        choice(squad_id, str(squad_id)) for squad_id in placing.current_layout(db.session, challenge)
    ]
    if not form.validate_on_submit():
        return _squads_page(challenge, form, 422)
    outcome = attempt(
        placing.regroup,
        challenge,
        me(),
        strategy=form.strategy.data,
        squad_ids=form.squads.data or None,
        size=form.size.data,
        form=form,
    )
    if not outcome.ok:
        return _squads_page(challenge, form, 422)
    flash(gettext("Squads regrouped: %(moved)s members moved.", moved=outcome.value.moved), "success")
    return redirect(url_for("web.squads", challenge_id=challenge.id))


@web_bp.get("/squads/<id:squad_id>")
@login_required
def squad(squad_id: int):
    """One squad: its leaderboard and its feed's link (the challenge's participants and the
    organizers; 404 for anyone else)."""
    squad, challenge = read(reading.visible_squad, squad_id, me())
    numbers = read(reading.numbers_of, challenge, squad)
    standings, total = read(
        leaderboard.standings, challenge, me(), page=1, per_page=BOARD_SIZE, squad_id=squad.id
    )
    if squad.dissolved_at is not None and not numbers.members:
        abort(404)
    return render_template(
        "challenges/squad.html",
        challenge=challenge,
        squad=squad,
        numbers=numbers,
        standings=standings,
        total=total,
        mine=reading.my_squad_id(db.session, challenge, me()) == squad.id,
    )
