"""The member's payout request: winnings the operator pays out, asked for from the wallet.

A payout is for what card refunds cannot take back (``habits.domain.payouts``); the page says
how much that is and why, asks to confirm (``habits.web.confirm``), and books the request. The
wallet page lists the member's payouts with each decision (``payout_history``).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from habits.domain import currencies
from habits.services import payout_views, payouts, wallets
from habits.services.payouts import PayoutOverCeiling
from habits.web import web_bp
from habits.web.confirm import confirmed, render_confirmation, wants_change
from habits.web.edge import attempt, me, read
from habits.web.forms import (
    MAX_WITHDRAWAL_MINOR,
    CurrencyField,
    length,
    offer_held_currencies,
    read_amount_field,
    required,
)
from habits.web.i18n import money
from habits.web.refusals import friendly_error

PAYOUT_EVENTS = {
    "request": _l("Asked for"),
    "approve": _l("Approved: on its way to you"),
    "refuse": _l("Refused"),
    "pay": _l("Paid"),
}
PAYOUT_STATUS = {
    "requested": _l("waiting for a decision"),
    "approved": _l("approved"),
    "refused": _l("refused"),
    "paid": _l("paid"),
}


class PayoutForm(FlaskForm):
    amount = StringField(_l("Amount"))
    currency = CurrencyField(_l("Currency"), choices=[])
    destination = TextAreaField(_l("Where should we send it?"), [required(), length(payouts.MAX_DESTINATION)])

    amount_minor: int | None = None

    def validate_amount(self, field):
        self.amount_minor = read_amount_field(field, self.currency.data, maximum_minor=MAX_WITHDRAWAL_MINOR)


def payout_history(member, *, per_page: int = 20):
    """The member's newest payouts, each with its decisions (for the wallet page)."""
    return read(payout_views.member_payouts, member, page=1, per_page=per_page)


@web_bp.route("/wallet/payout", methods=["GET", "POST"])
@login_required
def payout_request():
    member = me()
    form = PayoutForm()
    held = offer_held_currencies(form, read(wallets.wallet_view, member, page=1, per_page=1).balances)
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 422
        elif wants_change():
            pass
        elif not confirmed(form.amount_minor):
            return _confirm(form)
        elif _ask(form):
            return redirect(url_for("web.wallet"))
        else:
            status = 422
    # a currency typed by hand that is no currency shows the first one the wallet holds
    shown = form.currency.data if currencies.is_currency(form.currency.data) else held[0]
    limits = read(payouts.payout_limits, member.id, shown)
    return render_template("wallet/payout.html", form=form, limits=limits), status


def _confirm(form: PayoutForm):
    currency = form.currency.data
    amount = money(form.amount_minor, currency)
    return render_confirmation(
        title=gettext("Ask for a payout of %(amount)s?", amount=amount),
        amount_minor=form.amount_minor,
        currency=currency,
        what_it_does=[
            gettext(
                "A site administrator checks it and sends %(amount)s to: %(destination)s",
                amount=amount,
                destination=form.destination.data.strip(),
            ),
            gettext(
                "It stays in your wallet until it is approved; you see each decision on your wallet page."
            ),
        ],
        confirm_label=gettext("Ask for %(amount)s", amount=amount),
        change_label=gettext("Change it"),
        back_url=url_for("web.wallet"),
    )


def _ask(form: PayoutForm) -> bool:
    outcome = attempt(
        payouts.request_payout,
        me(),
        amount_minor=form.amount_minor,
        currency=form.currency.data,
        destination=form.destination.data,
        form=form,
    )
    if not outcome.ok:
        if isinstance(outcome.error, PayoutOverCeiling):
            form.amount.errors = [*form.amount.errors, friendly_error(outcome.error)]
        return False
    flash(
        gettext(
            "You asked for a payout of %(amount)s. We tell you on your wallet page when it is decided.",
            amount=money(outcome.value.amount_minor, outcome.value.currency),
        ),
        "success",
    )
    return True


@web_bp.app_context_processor
def template_helpers() -> dict:
    return {
        "payout_event": lambda action: str(PAYOUT_EVENTS.get(getattr(action, "value", action), action)),
        "payout_status": lambda status: str(PAYOUT_STATUS.get(getattr(status, "value", status), status)),
    }
