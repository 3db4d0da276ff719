"""The member's own data on the account page (its "Your data" section, templates/account/_data.html):
the download of everything that is theirs (the API's export, as a file), deleting the account
(with the password again; what stands in the way is listed first, each with where to fix it),
and handing a community over, which deletion asks of a community's only organizer.

Deletion asks for the password on the form itself rather than through ``habits.web.confirm``:
a confirmation step carries the form's fields back as hidden inputs, and a password must not
travel back in a page. The hand-over, which moves no password, is confirmed there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Response, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel import refresh as refresh_locale
from flask_login import login_required, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SelectField
from wtforms.validators import InputRequired

from habits.books import CodeKind
from habits.extensions import db
from habits.models import Challenge, Community, Enrollment
from habits.photo_files import photo_store
from habits.services import account_deletion, account_export, communities, community_handover
from habits.web import web_bp
from habits.web.confirm import confirmed, render_confirmation
from habits.web.edge import attempt, me, read, request_now
from habits.web.forms import REQUIRED, choice, length
from habits.web.i18n import ROLES, SESSION_KEY, current_locale, label, money


class DeletionForm(FlaskForm):
    password = PasswordField(_l("Your password"), [InputRequired(message=REQUIRED), length(128)])


class HandoverForm(FlaskForm):
    member_id = SelectField(
        _l("Who becomes the organizer?"), coerce=int, validators=[InputRequired(message=REQUIRED)]
    )


def deletion_form() -> DeletionForm:
    # prefixed: the account page has other forms, and their ids must not repeat
    return DeletionForm(prefix="deletion")


# -- what stands in the way, in words -------------------------------------------------------------


@dataclass(frozen=True)
class Obstacle:
    text: str
    link: str | None = None
    link_text: str | None = None


def _titles(enrollment_ids: list[int]) -> dict[int, str]:
    if not enrollment_ids:
        return {}
    query = (
        select(Enrollment.id, Challenge.title)
        .join(Challenge, Challenge.id == Enrollment.challenge_id)
        .where(Enrollment.id.in_(enrollment_ids))
    )
    return dict(db.session.execute(query).all())


def _money_obstacle(item: account_deletion.HeldMoney, title: str) -> Obstacle:
    amount = money(item.amount_minor, item.currency)
    enrollment = url_for("web.enrollment", enrollment_id=item.enrollment_id) if item.enrollment_id else None
    if item.kind == CodeKind.WALLET:
        text = gettext("Your wallet holds %(amount)s.", amount=amount)
        return Obstacle(text, url_for("web.wallet"), gettext("Take it out"))
    if item.kind == CodeKind.HELD:
        text = gettext(
            "Your deposit in “%(title)s” still holds %(amount)s: it comes back or goes to the pot as "
            "the days are settled.",
            title=title,
            amount=amount,
        )
        return Obstacle(text, enrollment, gettext("Your enrollment"))
    if item.kind == CodeKind.FROZEN:
        text = gettext(
            "%(amount)s of your deposit in “%(title)s” is frozen by a card dispute.",
            amount=amount,
            title=title,
        )
        return Obstacle(text, enrollment, gettext("Your enrollment"))
    if item.kind == CodeKind.REFUNDS_PENDING:
        return Obstacle(gettext("%(amount)s is on its way back to your card.", amount=amount))
    if item.kind == CodeKind.PAYOUTS_PENDING:
        text = gettext("A payout of %(amount)s is approved and waits to be sent to you.", amount=amount)
        return Obstacle(text, url_for("web.wallet"), gettext("Your wallet"))
    text = gettext(
        "You asked to pay a deposit of %(amount)s for “%(title)s”: pay it, or leave the challenge.",
        amount=amount,
        title=title,
    )
    return Obstacle(text, enrollment, gettext("Your enrollment"))


def obstacles(blockers: account_deletion.Blockers) -> list[Obstacle]:
    titles = _titles([item.enrollment_id for item in blockers.money if item.enrollment_id])
    found = [_money_obstacle(item, titles.get(item.enrollment_id, "")) for item in blockers.money]
    for community in blockers.communities:
        found.append(
            Obstacle(
                gettext("You are the only organizer of “%(name)s”.", name=community.name),
                url_for("web.hand_over", community_id=community.id),
                gettext("Hand it over"),
            )
        )
    return found


def deletion_context(form: DeletionForm | None = None) -> dict:
    return {
        "obstacles": obstacles(read(account_deletion.deletion_blockers, me())),
        "deletion_form": form or deletion_form(),
    }


@web_bp.app_context_processor
def template_helpers() -> dict:
    # the account page's section asks for it where it is included (the page's view stays as it is)
    return {"account_data_section": deletion_context}


# -- the routes -----------------------------------------------------------------------------------


@web_bp.get("/account/export")
@login_required
def export_data():
    """The API's export, as a file to keep."""
    member = me()
    document = read(account_export.export_member_data, member)
    day = request_now().date().isoformat()
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="streakpot-{member.id}-{day}.json"'},
    )


@web_bp.route("/account/deletion", methods=["GET", "POST"])
@login_required
def delete_account():
    form = deletion_form()
    if form.validate_on_submit():
        chosen = current_locale()  # before the profile's language is erased with the rest
        outcome = attempt(
            account_deletion.delete_account,
            me(),
            form=form,
            password=form.password.data,
            photos=photo_store(),
        )
        if outcome.ok:
            session.clear()
            logout_user()
            session[SESSION_KEY] = chosen
            refresh_locale()
            flash(
                gettext(
                    "Your account is deleted: your personal data and photos are erased. "
                    "The books keep their lines under a number that names nobody."
                )
            )
            return redirect(url_for("web.home"))
    status = 422 if form.errors else 200
    if form.is_submitted() and not form.errors:
        status = 409  # refused: what stands in the way is listed on the page
    return render_template("account/deletion.html", **deletion_context(form)), status


@web_bp.route("/communities/<id:community_id>/handover", methods=["GET", "POST"])
@login_required
def hand_over(community_id: int):
    community = communities.get_community(db.session, community_id)
    actor = me()
    if community.organizer_id != actor.id:
        abort(403)
    heirs = read(community_handover.heirs, community, actor)
    form = HandoverForm()
    form.member_id.choices = [
        choice(member.id, f"{member.display_name} · {label(ROLES, membership.role)}")
        for membership, member in heirs
    ]
    if form.validate_on_submit():
        if not confirmed(0):
            names = {member.id: member.display_name for _membership, member in heirs}
            return _confirm_hand_over(community, names.get(form.member_id.data, ""))
        outcome = attempt(community_handover.hand_over, community, actor, form.member_id.data, form=form)
        if outcome.ok:
            flash(
                gettext("“%(name)s” has a new organizer. You stay on as a co-organizer.", name=community.name)
            )
            return redirect(url_for("web.community", community_id=community.id))
    status = 422 if form.is_submitted() else 200
    return render_template("communities/handover.html", community=community, form=form, heirs=heirs), status


def _confirm_hand_over(community: Community, name: str):
    return render_confirmation(
        title=gettext("Hand “%(name)s” over?", name=community.name),
        amount_minor=None,
        currency="",
        what_it_does=[
            gettext(
                "%(member)s becomes its organizer: they launch its challenges and decide who organizes "
                "with them. You stay on as a co-organizer.",
                member=name,
            ),
            gettext("Only the new organizer can hand it back."),
        ],
        confirm_label=gettext("Hand it over"),
        back_url=url_for("web.hand_over", community_id=community.id),
    )
