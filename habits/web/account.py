"""The member's account page: change the password (which signs every other device and app out)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from habits.services import members
from habits.web import web_bp
from habits.web.auth import password_method, rotate_session
from habits.web.edge import attempt, me
from habits.web.forms import PasswordChangeForm


@web_bp.route("/account", methods=["GET", "POST"])
@login_required
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
