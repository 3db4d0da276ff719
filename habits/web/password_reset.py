"""Forgot password: ask for a link by e-mail, then choose a new password with it.

The request page answers the same whether or not the address is a member's. The link's page
shows the form only for a link that still works; using it ends every session and API token of
the member (``password_reset.reset_password``) and signs this browser in with a new session.
Both POSTs are limited by RATELIMIT_PASSWORD_RESET, per client address.
"""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, ValidationError

from habits.mail.compose import compose_mail
from habits.services import password_reset as resets
from habits.services.one_time_links import LinkRefused
from habits.web import web_bp
from habits.web.auth import password_method, rotate_session
from habits.web.edge import attempt, commit, read
from habits.web.forms import EMAIL, REQUIRED, length, required
from habits.web.i18n import current_locale
from habits.web.refusals import friendly_error


class ResetRequestForm(FlaskForm):
    email = StringField(_l("Email"), [required(), length(254)])

    def validate_email(self, field):
        if not EMAIL.match(field.data.strip()):
            raise ValidationError(_l("Write an email address like name@example.com."))


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password (at least 8 characters)"), [InputRequired(message=REQUIRED), length(128, 8)]
    )


def private(response):
    """A page whose address holds a secret: no Referer carries it elsewhere, no cache keeps it."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def link_refused(refusal: LinkRefused, *, again: str):
    page = render_template("auth/link_refused.html", message=friendly_error(refusal), again=again)
    return private(make_response(page, 410))


@web_bp.route("/password-reset", methods=["GET", "POST"])
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        commit(
            resets.request_password_reset,
            email=form.email.data,
            composer=compose_mail,
            locale=current_locale(),
        )
        flash(
            gettext(
                "If an account uses %(email)s, a link to choose a new password is on its way. "
                "It works once, within an hour.",
                email=form.email.data.strip(),
            )
        )
        return redirect(url_for("web.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password_reset_request.html", form=form), status


@web_bp.route("/password-reset/<ref:token>", methods=["GET", "POST"])
def reset_password_with_link(token: str):
    again = url_for("web.forgot_password")
    try:
        member = read(resets.check_reset_link, token=token)
    except LinkRefused as refusal:
        return link_refused(refusal, again=again)
    form = NewPasswordForm()
    if form.validate_on_submit():
        outcome = attempt(
            resets.reset_password,
            form=form,
            token=token,
            password=form.password.data,
            password_method=password_method(),
        )
        if outcome.ok:
            rotate_session(outcome.value)
            flash(gettext("Your password is changed. Every other phone, browser and app is signed out."))
            return redirect(url_for("web.home"))
        if isinstance(outcome.error, LinkRefused):  # used meanwhile, from another tab
            return link_refused(outcome.error, again=again)
    status = 422 if request.method == "POST" else 200
    page = render_template("auth/password_reset_form.html", form=form, email=member.email)
    return private(make_response(page, status))
