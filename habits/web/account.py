"""The member's account page: change the password (which signs every other device and app out)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_limiter.util import get_remote_address
from flask_login import login_required

from habits.extensions import limiter
from habits.services import members
from habits.web import web_bp
from habits.web.auth import login_limit, password_method, rotate_session
from habits.web.edge import attempt, me
from habits.web.forms import PasswordChangeForm


@web_bp.route("/account", methods=["GET", "POST"])
@login_required
# the current password is checked here: as guessable as the login, so limited like it
@limiter.limit(login_limit, methods=["POST"], key_func=get_remote_address)
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        member = me()
        outcome = attempt(
            members.change_password,
            member,
            form=form,
            current_password=form.current_password.data,
            new_password=form.new_password.data,
            password_method=password_method(),
        )
        if outcome.ok:
            rotate_session(member)
            flash(gettext("Your password is changed. Every other phone, browser and app is signed out."))
            return redirect(url_for("web.account"))
    status = 422 if request.method == "POST" else 200
    return render_template("account/account.html", form=form, member=me()), status
