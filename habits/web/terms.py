"""The terms of service on the pages: reading them (``/terms``, for everyone), accepting them
(sign-up, or before a deposit), and publishing a new version (``/admin/terms``, site
administrators only: 404 for anyone else, as the payouts page).

A member who has not accepted the terms in force is sent to ``/terms`` from the pages that lead to
a deposit (joining a challenge, paying) before anything happens; the deposit service refuses them
anyway (``terms.require_accepted``), this only spares them a refusal. The terms are Markdown,
rendered without raw HTML or images (markdown-it's safe preset: no script, no tracking pixel).
"""

from __future__ import annotations

from functools import lru_cache

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markdown_it import MarkdownIt
from markupsafe import Markup
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import Optional

from habits.extensions import csrf, db
from habits.services import terms
from habits.services.site_admins import is_site_admin
from habits.web import web_bp
from habits.web.edge import attempt, me, safe_next
from habits.web.forms import length

#: the pages whose action asks for a deposit, and where to come back to once the terms are accepted
DEPOSIT_PAGES = {
    "web.join_challenge": lambda args: url_for("web.challenge", challenge_id=args["challenge_id"]),
    "web.pay": lambda args: request.path,
}


class AcceptTermsForm(FlaskForm):
    terms_version = IntegerField(validators=[Optional()])
    next = HiddenField()


class PublishTermsForm(FlaskForm):
    body = TextAreaField(
        _l("The terms, in Markdown (headings with #, lists with -, links as [text](https://…))"),
        [length(terms.MAX_BODY)],
    )


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # "js-default": no raw HTML, links checked (no javascript: URLs); images off as well
    return MarkdownIt("js-default").disable("image")


def terms_html(body: str) -> Markup:
    """The terms as HTML: safe to put in a page as it is (markdown-it escapes what it does not
    render itself)."""
    return Markup(_markdown().render(body))


def terms_in_force():
    """The terms in force for this request (None while none are published), read once."""
    if "terms_in_force" not in g:
        g.terms_in_force = terms.current_terms(db.session)
    return g.terms_in_force


@web_bp.app_context_processor
def template_helpers() -> dict:
    return {"terms_in_force": terms_in_force, "terms_html": terms_html}


@web_bp.before_request
def ask_for_terms_before_a_deposit():
    """Send a member who has not accepted the terms in force to them, from a page that would ask
    for a deposit."""
    back_to = DEPOSIT_PAGES.get(request.endpoint or "")
    if back_to is None or not current_user.is_authenticated:
        return None
    if terms.has_accepted_current(db.session, current_user.id):
        return None
    flash(gettext("Before you pay a deposit, read the terms of this service and accept them."))
    return redirect(url_for("web.terms", next=back_to(request.view_args or {})))


# the endpoint is "web.terms" (the function's own name would hide the terms service)
@web_bp.get("/terms", endpoint="terms")
def terms_page():
    current = terms_in_force()
    accepted = None
    form = None
    if current is not None and current_user.is_authenticated:
        accepted = terms.accepted_at(db.session, current_user.id, current.version)
        if accepted is None:
            form = AcceptTermsForm(terms_version=current.version, next=request.args.get("next", ""))
    return render_template("terms/terms.html", terms=current, accepted=accepted, form=form)


@web_bp.post("/terms/acceptance")
@login_required
def accept_terms():
    form = AcceptTermsForm()
    target = safe_next(form.next.data, url_for("web.terms"))
    if not form.validate_on_submit():
        flash(gettext("Accept the terms with the button below them."), "error")
        return redirect(url_for("web.terms", next=form.next.data or None))
    outcome = attempt(terms.accept_terms, me(), version=form.terms_version.data)
    if not outcome.ok:
        return redirect(url_for("web.terms", next=form.next.data or None))
    flash(gettext("Thank you: you accepted the terms (version %(version)s).", version=outcome.value.version))
    return redirect(target)


# -- publishing (site administrators) -------------------------------------------------------------


def _require_admin():
    if not (current_user.is_authenticated and is_site_admin(me())):
        abort(404)
    return me()


@web_bp.route("/admin/terms", methods=["GET", "POST"])
@csrf.exempt  # a POST without a token is a 404 for anyone else; the form checks its own token
def admin_terms():
    admin = _require_admin()
    current = terms_in_force()
    form = PublishTermsForm()
    if request.method == "GET" and current is not None:
        form.body.data = current.body
    if form.validate_on_submit():
        outcome = attempt(terms.publish_terms, body=form.body.data, admin=admin, form=form)
        if outcome.ok:
            flash(
                gettext(
                    "Version %(version)s is published: members accept it before their next deposit.",
                    version=outcome.value.version,
                )
            )
            return redirect(url_for("web.admin_terms"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/terms.html", form=form, terms=current), status
