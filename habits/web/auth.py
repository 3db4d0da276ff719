"""Register, log in and out, and the language switch (CSRF on every form).

A sign-in is a row on the server (``habits.services.web_sessions``): Flask-Login keeps that
session's random key where it would keep a user id, in the signed session cookie and, for
"keep me signed in", in the remember cookie; the user loader (habits/web/__init__.py) finds the
member by it on every request. So logging out, or changing the password, ends a sign-in on the
server, whatever copies of its cookies exist.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME

from habits.extensions import db
from habits.mail.compose import compose_mail
from habits.services import email_verification, members, web_sessions
from habits.web import web_bp
from habits.web.edge import attempt, commit, me, request_now, safe_next
from habits.web.forms import COMMON_ZONES, EmptyForm, LanguageForm, LoginForm, RegisterForm
from habits.web.i18n import SESSION_KEY, current_locale


def password_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD") or members.DEFAULT_PASSWORD_METHOD


def session_lifetime() -> timedelta:
    """How long a sign-in lives on the server: as long as the remember cookie (Flask-Login takes
    seconds or a timedelta)."""
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration if isinstance(duration, timedelta) else timedelta(seconds=int(duration))


#: where Flask-Login keeps the signed-in identity (for us: the web session's key)
USER_ID_KEY = "_user_id"


def signed_in_key() -> str | None:
    return session.get(USER_ID_KEY)


def _sign_in(member, remember: bool) -> None:
    """Start a new web session for ``member`` in a fresh cookie session (no fixation: nothing
    the browser's session held before survives but the language it chose)."""
    chosen = session.get(SESSION_KEY)
    session.clear()
    if chosen:
        session[SESSION_KEY] = chosen
    key = commit(web_sessions.start_session, member, lifetime=session_lifetime())
    login_user(member, remember=remember)
    # Flask-Login stored member.get_id(); the loader looks sessions up by key, and the remember
    # cookie is written from this value after the request.
    session[USER_ID_KEY] = key
    refresh_locale()


def keeps_signed_in() -> bool:
    """Whether this browser holds a remember cookie ("keep me signed in")."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies


def rotate_session(member) -> None:
    """After every session of the member was ended (a password change), sign this browser in
    again with a new key, remembered as before."""
    _sign_in(member, remember=keeps_signed_in())


@web_bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        outcome = attempt(
            email_verification.sign_up,
            form=form,
            composer=compose_mail,
            email=form.email.data,
            password=form.password.data,
            display_name=form.display_name.data,
            timezone=form.timezone.data,
            locale=current_locale(),
            password_method=password_method(),
            terms_version=form.terms_version.data,
        )
        if outcome.ok:
            _sign_in(outcome.value, remember=True)
            flash(gettext("Welcome, %(name)s! Find a challenge to join.", name=outcome.value.display_name))
            flash(
                gettext(
                    "To confirm your address, follow the link we sent to %(email)s.",
                    email=outcome.value.email,
                )
            )
            return redirect(safe_next(request.args.get("next"), url_for("web.communities")))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/register.html", form=form, zones=COMMON_ZONES), status


@web_bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    if form.validate_on_submit():
        member = members.check_credentials(
            db.session,
            email=form.email.data,
            password=form.password.data,
            now=request_now(),
            password_method=password_method(),
        )
        if member is None:
            form.password.errors.append(gettext("The email or the password is not right."))
        else:
            _sign_in(member, remember=bool(form.remember.data))
            flash(gettext("Good to see you, %(name)s.", name=member.display_name))
            return redirect(safe_next(request.args.get("next"), url_for("web.home")))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@web_bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        chosen = current_locale()
        commit(web_sessions.end_session, signed_in_key())
        session.clear()
        # after clearing: logout_user leaves Flask-Login's note to delete the remember cookie
        logout_user()
        session[SESSION_KEY] = chosen
        flash(gettext("You are signed out."))
    return redirect(url_for("web.home"))


@web_bp.post("/language")
def language():
    """Switch the language: kept in the session, and on the member's profile when signed in."""
    form = LanguageForm()
    target = safe_next(form.next.data, url_for("web.home"))
    if not form.validate_on_submit():
        return redirect(target)
    session[SESSION_KEY] = form.locale.data
    if current_user.is_authenticated and current_user.locale != form.locale.data:
        attempt(members.update_profile, me(), changes={"locale": form.locale.data})
    refresh_locale()
    return redirect(target)
