"""Links in mail that are not about passwords: confirming an address, and unsubscribing.

- ``/verify-email/<token>``: a button (not the GET itself, which mail scanners follow) confirms
  the address the link was sent to. ``/verify-email`` lets a signed-in member ask for a new link.
- ``/unsubscribe/<token>``: the signed link of List-Unsubscribe. Its POST takes no CSRF token:
  mail programs post ``List-Unsubscribe=One-Click`` to it without cookies (RFC 8058); the
  signature is what authorizes it.
Each POST is limited by RATELIMIT_EMAIL_LINKS, per client address.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from habits.extensions import csrf
from habits.mail.compose import KINDS, compose_mail, read_unsubscribe_token
from habits.services import email_verification, mail
from habits.services.one_time_links import LinkRefused
from habits.web import web_bp
from habits.web.edge import attempt, commit, me, read
from habits.web.forms import EmptyForm
from habits.web.password_reset import link_refused, private


@web_bp.route("/verify-email/<ref:token>", methods=["GET", "POST"])
def verify_email_link(token: str):
    again = url_for("web.verify_email_status")
    try:
        member = read(email_verification.check_verification_link, token=token)
    except LinkRefused as refusal:
        return link_refused(refusal, again=again)
    form = EmptyForm()
    if form.validate_on_submit():
        outcome = attempt(email_verification.verify_email, token=token)
        if outcome.ok:
            flash(gettext("Thank you: %(email)s is confirmed.", email=outcome.value.email))
            return redirect(url_for("web.home"))
        if isinstance(outcome.error, LinkRefused):
            return link_refused(outcome.error, again=again)
    page = render_template("auth/verify_email.html", form=form, email=member.email)
    return private(make_response(page))


@web_bp.route("/verify-email", methods=["GET", "POST"])
@login_required
def verify_email_status():
    member = me()
    form = EmptyForm()
    if form.validate_on_submit() and member.email_verified_at is None:
        outcome = attempt(email_verification.send_verification, member, composer=compose_mail)
        if outcome.ok:
            flash(gettext("A new link is on its way to %(email)s.", email=member.email))
        return redirect(url_for("web.verify_email_status"))
    return render_template("auth/verify_email_status.html", form=form, member=member)


@web_bp.route("/unsubscribe/<ref:token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    named = read_unsubscribe_token(token)
    if named is None:
        abort(404)
    member_id, kind = named
    spec = KINDS.get(kind)
    label = str(spec.label) if spec is not None and spec.label else kind
    if request.method == "POST":
        commit(mail.opt_out, member_id=member_id, kind=kind)
        page = render_template("auth/unsubscribed.html", label=label)
    else:
        signed_in_as_someone_else = current_user.is_authenticated and current_user.id != member_id
        page = render_template("auth/unsubscribe.html", label=label, other=signed_in_as_someone_else)
    return private(make_response(page))
