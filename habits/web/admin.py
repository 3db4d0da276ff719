"""The site administrators' payout page: payouts by status; approve (with the password again),
refuse (with a reason the member reads), mark paid (with the transfer's reference); the CSV of
approved payouts to pay.

Every route here answers 404 to anyone who is not a site administrator, signed in or not: for
them the page does not exist (SPEC, "Who sees what"). Administrators are made with
``flask admin grant EMAIL``. So that a POST without a token is a 404 too, the app-wide CSRF
check steps aside for the three decisions; their forms check the token themselves (a FlaskForm
validates its own CSRF field), after the 404.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

from habits.domain.csv_cells import csv_text
from habits.domain.payouts import IN_PAYOUTS_PENDING, WAITING_FOR_DECISION, PayoutStatus
from habits.extensions import csrf, db
from habits.services import payout_views, payouts, wallets
from habits.services.site_admins import is_site_admin
from habits.web import web_bp
from habits.web.edge import attempt, me, page_arg, read
from habits.web.forms import length, required
from habits.web.i18n import money

PER_PAGE = 20
#: the tabs, in the order an administrator works through them
TABS = (PayoutStatus.REQUESTED, PayoutStatus.APPROVED, PayoutStatus.PAID, PayoutStatus.REFUSED)


class ApproveForm(FlaskForm):
    password = PasswordField(_l("Your password, again"), [required(), length(128)])
    note = StringField(_l("A note for the member (optional)"), [length(payouts.MAX_REASON)])


class RefuseForm(FlaskForm):
    reason = StringField(
        _l("Why is it refused? The member reads this."), [required(), length(payouts.MAX_REASON)]
    )


class PaidForm(FlaskForm):
    reference = StringField(_l("Reference of your transfer"), [required(), length(payouts.MAX_REFERENCE)])


FORMS = {"approve": ApproveForm, "refuse": RefuseForm, "paid": PaidForm}


def _is_admin() -> bool:
    return bool(current_user.is_authenticated and is_site_admin(me()))


def require_admin():
    """The signed-in site administrator; 404 for anyone else."""
    if not _is_admin():
        abort(404)
    return me()


def _form(kind: str, payout_id: int) -> FlaskForm:
    # one form per payout on the page: the prefix keeps their fields' ids apart
    return FORMS[kind](prefix=f"p{payout_id}")


def _status_arg() -> PayoutStatus:
    try:
        return PayoutStatus(request.args.get("status", PayoutStatus.REQUESTED))
    except ValueError:
        return PayoutStatus.REQUESTED


def _render(admin, status: PayoutStatus, page: int = 1, failed: tuple[int, str, FlaskForm] | None = None):
    listing = read(payout_views.payouts_for_admins, admin, status=status, page=page, per_page=PER_PAGE)
    forms, wallet_now = {}, {}
    for record in listing.items:
        payout = record.payout
        kinds = ["approve", "refuse"] if payout.status in WAITING_FOR_DECISION else []
        kinds += ["paid", "refuse"] if payout.status in IN_PAYOUTS_PENDING else []
        forms[payout.id] = {kind: _form(kind, payout.id) for kind in kinds}
        if kinds:
            wallet_now[payout.id] = wallets.available_minor(db.session, payout.member_id, payout.currency)
    if failed is not None and failed[0] in forms:
        forms[failed[0]][failed[1]] = failed[2]
    return (
        render_template(
            "admin/payouts.html",
            listing=listing,
            status=status,
            tabs=TABS,
            forms=forms,
            wallet_now=wallet_now,
            names=read(payout_views.actor_names, listing.items),
            page=page,
            pages=max(1, -(-listing.total // PER_PAGE)),
        ),
        422 if failed is not None else 200,
    )


@web_bp.get("/admin/payouts")
def admin_payouts():
    return _render(require_admin(), _status_arg(), page_arg())


@web_bp.get("/admin/payouts/pending.csv")
def admin_pending_csv():
    rows = read(payout_views.pending_payout_rows, require_admin())
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="pending-payouts.csv"'},
    )


def _decide(payout_id: int, kind: str, service, done_message, **fields):
    """Run one decision from its form; back to the tab the payout is now in, or the form again."""
    admin = require_admin()
    form = _form(kind, payout_id)
    if form.validate_on_submit():
        values = {name: read_field(form) for name, read_field in fields.items()}
        outcome = attempt(service, payout_id, admin=admin, form=form, **values)
        if outcome.ok:
            flash(done_message(outcome.value), "success")
            target = url_for("web.admin_payouts", status=outcome.value.status.value)
            return redirect(f"{target}#payout-{payout_id}")
    current = read(payout_views.admin_record, admin, payout_id).payout
    return _render(admin, current.status, failed=(payout_id, kind, form))


@web_bp.post("/admin/payouts/<id:payout_id>/approve")
@csrf.exempt
def admin_approve(payout_id: int):
    return _decide(
        payout_id,
        "approve",
        payouts.approve_payout,
        lambda p: gettext(
            "Payout #%(number)s approved: send %(amount)s, then mark it paid.",
            number=p.id,
            amount=money(p.amount_minor, p.currency),
        ),
        password=lambda form: form.password.data,
        note=lambda form: form.note.data,
    )


@web_bp.post("/admin/payouts/<id:payout_id>/refuse")
@csrf.exempt
def admin_refuse(payout_id: int):
    return _decide(
        payout_id,
        "refuse",
        payouts.refuse_payout,
        lambda p: gettext("Payout #%(number)s refused.", number=p.id),
        reason=lambda form: form.reason.data,
    )


@web_bp.post("/admin/payouts/<id:payout_id>/paid")
@csrf.exempt
def admin_paid(payout_id: int):
    return _decide(
        payout_id,
        "paid",
        payouts.mark_paid,
        lambda p: gettext("Payout #%(number)s marked paid.", number=p.id),
        reference=lambda form: form.reference.data,
    )
