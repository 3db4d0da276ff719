"""Register, log in and out (Flask-Login session cookie, CSRF on every form), and the language switch."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import refresh as refresh_locale
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from habits.extensions import db, limiter
from habits.services import members
from habits.web import web_bp
from habits.web.edge import attempt, me, request_now, safe_next
from habits.web.forms import COMMON_ZONES, EmptyForm, LanguageForm, LoginForm, RegisterForm
from habits.web.i18n import SESSION_KEY, current_locale

#: the same setting and default as the API's login limit (per client address)
LOGIN_LIMIT_DEFAULT = "10/minute;100/hour"


def login_limit() -> str:
    return current_app.config.get("RATELIMIT_LOGIN") or LOGIN_LIMIT_DEFAULT


def register_limit() -> str:
    return current_app.config.get("RATELIMIT_REGISTER") or LOGIN_LIMIT_DEFAULT


def password_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD") or members.DEFAULT_PASSWORD_METHOD


def _sign_in(member, remember: bool) -> None:
    chosen = session.get(SESSION_KEY)
    session.clear()  # a fresh session at sign-in (no fixation); keep the language they chose
    if chosen:
        session[SESSION_KEY] = chosen
    login_user(member, remember=remember)
    refresh_locale()


@web_bp.route("/register", methods=["GET", "POST"])
@limiter.limit(register_limit, methods=["POST"], key_func=get_remote_address)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        outcome = attempt(
            members.register_member,
            form=form,
            email=form.email.data,
            password=form.password.data,
            display_name=form.display_name.data,
            timezone=form.timezone.data,
            locale=current_locale(),
            password_method=password_method(),
        )
        if outcome.ok:
            _sign_in(outcome.value, remember=True)
            flash(gettext("Welcome, %(name)s! Find a challenge to join.", name=outcome.value.display_name))
            return redirect(safe_next(request.args.get("next"), url_for("web.communities")))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/register.html", form=form, zones=COMMON_ZONES), status


@web_bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], key_func=get_remote_address)
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
        logout_user()
        session.clear()
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
