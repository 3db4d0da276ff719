"""The member's settings page (``/account``): name, time zone, language and region; a new e-mail
address (it takes effect once the link mailed to it is followed); the password (changing it
signs every other device and app out).

Each form posts to its own address with its own rate limit, and a refused form comes back with
its fields marked and what was typed kept, the other forms as stored. The link of an address
change opens ``/email-change/<token>``: a button there (not the GET, which mail scanners follow)
makes the move.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_required

from habits.mail.compose import compose_mail
from habits.services import email_change, members
from habits.services.one_time_links import LinkRefused
from habits.web import web_bp
from habits.web.account_forms import (
    REMINDER_SUGGESTIONS,
    EmailChangeForm,
    ProfileForm,
    RemindersForm,
    region_choices,
)
from habits.web.auth import password_method, rotate_session
from habits.web.edge import attempt, me, read, request_now
from habits.web.forms import EmptyForm, PasswordChangeForm
from habits.web.i18n import SESSION_KEY, browser_region, current_locale, format_locale
from habits.web.instants import when
from habits.web.password_reset import link_refused, private
from habits.web.zone_picker import zone_options

#: a number the region's hint shows written in the reader's format
SAMPLE_NUMBER = Decimal("1234.50")


def _profile_form(member, *, submitted: bool = False) -> ProfileForm:
    menu = region_choices(current_locale(), browser_region(current_locale()))
    if submitted:
        return ProfileForm(region_menu=menu)
    stored = {
        "display_name": member.display_name,
        "timezone": member.timezone,
        "language": member.locale,
        "region": member.region or "",
    }
    return ProfileForm(formdata=None, data=stored, region_menu=menu)


def _reminders_form(member) -> RemindersForm:
    minutes = member.reminder_minutes_before_close
    stored = {
        "reminder_minutes": "" if minutes is None else str(minutes),
        "email_digest": member.email_digest,
    }
    return RemindersForm(formdata=None, data=stored)


def _page(member, *, profile=None, email=None, password=None, reminders=None, status: int = 200):
    """The settings page; the form that was sent (if any) with its errors, the others as stored."""
    now = request_now()
    page = render_template(
        "account/account.html",
        member=member,
        profile_form=profile or _profile_form(member),
        email_form=email or EmailChangeForm(formdata=None),
        reminders_form=reminders or _reminders_form(member),
        reminder_suggestions=REMINDER_SUGGESTIONS,
        form=password or PasswordChangeForm(formdata=None),
        pending_email=read(email_change.pending_email, member),
        zone_options=zone_options(now),
        formats_sample=gettext(
            "Written now like this: %(moment)s and %(number)s.",
            moment=when(now),
            number=format_decimal(SAMPLE_NUMBER, "#,##0.00", locale=format_locale()),
        ),
    )
    return page, status


@web_bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The page, and the password's form."""
    form = PasswordChangeForm()
    member = me()
    if form.validate_on_submit():
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
    if request.method == "POST":
        return _page(member, password=form, status=422)
    return _page(member)


@web_bp.post("/account/profile")
@login_required
def account_profile():
    member = me()
    form = _profile_form(member, submitted=True)
    if form.validate_on_submit():
        outcome = attempt(members.update_profile, member, form=form, changes=form.changes())
        if outcome.ok:
            session[SESSION_KEY] = member.locale  # kept after signing out, as the language switch does
            refresh_locale()  # the flash below, and the next page, in the language just chosen
            flash(gettext("Your settings are saved."), "success")
            return redirect(url_for("web.account"))
    return _page(member, profile=form, status=422)


@web_bp.post("/account/reminders")
@login_required
def account_reminders():
    """When to be reminded before a window closes, and the daily e-mail digest."""
    member = me()
    form = RemindersForm()
    if form.validate_on_submit():
        outcome = attempt(members.update_profile, member, form=form, changes=form.changes())
        if outcome.ok:
            flash(gettext("Your settings are saved."), "success")
            return redirect(url_for("web.account"))
    return _page(member, reminders=form, status=422)


@web_bp.post("/account/email")
@login_required
def account_email():
    member = me()
    form = EmailChangeForm()
    if form.validate_on_submit():
        pending = read(email_change.pending_email, member)
        if form.email.data == member.email and pending is None:
            form.email.errors.append(gettext("This is already your address."))
            return _page(member, email=form, status=422)
        outcome = attempt(
            email_change.request_email_change,
            member,
            form=form,
            new_email=form.email.data,
            composer=compose_mail,
        )
        if outcome.ok and outcome.value is None:
            flash(
                gettext(
                    "Your address stays %(email)s: the move to %(new)s is cancelled.",
                    email=member.email,
                    new=pending,
                )
            )
            return redirect(url_for("web.account"))
        if outcome.ok:
            flash(
                gettext(
                    "Almost done: follow the link we sent to %(new)s. Until then your address stays "
                    "%(email)s.",
                    new=outcome.value,
                    email=member.email,
                ),
                "success",
            )
            return redirect(url_for("web.account"))
    return _page(member, email=form, status=422)


@web_bp.route("/email-change/<ref:token>", methods=["GET", "POST"])
def email_change_link(token: str):
    again = url_for("web.account")
    try:
        member, new_email = read(email_change.check_change_link, token=token)
    except LinkRefused as refusal:
        return link_refused(refusal, again=again)
    form = EmptyForm()
    if form.validate_on_submit():
        outcome = attempt(email_change.confirm_email_change, token=token, composer=compose_mail)
        if outcome.ok:
            flash(gettext("Done: your address is now %(email)s.", email=outcome.value.email), "success")
            signed_in = current_user.is_authenticated and current_user.id == outcome.value.id
            return redirect(url_for("web.account" if signed_in else "web.home"))
        if isinstance(outcome.error, LinkRefused):
            return link_refused(outcome.error, again=again)
    page = render_template("account/email_change.html", form=form, email=new_email, name=member.display_name)
    return private(make_response(page))
