"""The wallet: balances and entries from the ledger, and withdrawals back to the card (asked to
confirm first: ``habits.web.confirm``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy import select

from habits import books
from habits.extensions import db
from habits.models import Challenge, Enrollment
from habits.services import receipts, wallets, withdrawals
from habits.web import web_bp
from habits.web.confirm import confirmed, render_confirmation, wants_change
from habits.web.edge import attempt, gateway, me, page_arg, read, request_now
from habits.web.forms import WithdrawalForm, offer_held_currencies
from habits.web.i18n import kept_explanation, money
from habits.web.ledger_words import WalletLine, wallet_line
from habits.web.payouts import payout_history

PER_PAGE = 30


def _view(page: int):
    return read(wallets.wallet_view, me(), page=page, per_page=PER_PAGE)


def challenge_titles(keys: list[str]) -> dict[str, str]:
    """{key: title} of the challenge each entry's ledger key names, directly (a day's settlement,
    day 0's opening) or through its enrollment (a deposit, a quit before day 0)."""
    parsed = [books.parse_key(key) for key in keys]
    by_challenge = {p.challenge_id for p in parsed if p.challenge_id is not None}
    by_enrollment = {p.enrollment_id for p in parsed if p.enrollment_id is not None}
    titles = {}
    if by_challenge:
        query = select(Challenge.id, Challenge.title).where(Challenge.id.in_(by_challenge))
        titles = dict(db.session.execute(query).all())
    enrolled = {}
    if by_enrollment:
        query = (
            select(Enrollment.id, Challenge.title)
            .join(Challenge, Challenge.id == Enrollment.challenge_id)
            .where(Enrollment.id.in_(by_enrollment))
        )
        enrolled = dict(db.session.execute(query).all())
    found = {}
    for p in parsed:
        title = titles.get(p.challenge_id) or enrolled.get(p.enrollment_id)
        if title:
            found[p.key] = title
    return found


def wallet_lines(entries: list[wallets.WalletEntry]) -> list[WalletLine]:
    """Each entry's line in the reader's words, with its challenge's title and, for a winner's one
    posting, the stake and the share it was made of (``receipts.winner_parts``)."""
    keys = [entry.key for entry in entries]
    titles = challenge_titles(keys)
    parts = receipts.winner_parts(db.session, me().id, keys)
    return [wallet_line(e, title=titles.get(e.key), parts=parts.get(e.key)) for e in entries]


@web_bp.route("/wallet", methods=["GET", "POST"])
@login_required
def wallet():
    page = page_arg()
    view = _view(page)
    form = WithdrawalForm()
    offer_held_currencies(form, view.balances)
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 422
        elif wants_change():
            pass
        elif not confirmed(form.amount_minor):
            return _confirm_withdrawal(form, view)
        elif _withdraw(form):
            return redirect(url_for("web.wallet"))
        else:
            status = 422
    refunds = {w.id: withdrawals.withdrawal_refunds(db.session, w) for w in view.withdrawals}
    return (
        render_template(
            "wallet/wallet.html",
            view=view,
            form=form,
            refunds=refunds,
            lines=wallet_lines(view.entries),
            payouts=payout_history(me()),
            page=page,
            pages=max(1, -(-view.total // PER_PAGE)),
        ),
        status,
    )


def _confirm_withdrawal(form: WithdrawalForm, view):
    currency = form.currency.data
    amount = money(form.amount_minor, currency)
    held = next((b["available_minor"] for b in view.balances if b["currency"] == currency), 0)
    return render_confirmation(
        title=gettext("Withdraw %(amount)s?", amount=amount),
        amount_minor=form.amount_minor,
        currency=currency,
        what_it_does=[
            gettext(
                "%(amount)s goes back to the cards you paid deposits with, newest charge first. What no "
                "card can take back stays in your wallet, and we tell you how much.",
                amount=amount,
            ),
            gettext("Your wallet holds %(amount)s.", amount=money(held, currency)),
        ],
        confirm_label=gettext("Withdraw %(amount)s", amount=amount),
        change_label=gettext("Change the amount"),
        back_url=url_for("web.wallet"),
    )


def _withdraw(form: WithdrawalForm) -> bool:
    """Book the withdrawal (one commit), then send its refunds (a second commit, as the API does)."""
    outcome = attempt(
        withdrawals.request_withdrawal,
        me(),
        amount_minor=form.amount_minor,
        currency=form.currency.data,
        form=form,
    )
    if not outcome.ok:
        return False
    withdrawal = outcome.value
    sent = attempt(withdrawals.send_withdrawal_refunds, withdrawal.id, gateway=gateway())
    if sent.ok:
        gateway().after_commit(db.session, now=request_now())
    db.session.refresh(withdrawal)
    flash(
        gettext(
            "%(amount)s is on its way back to your card.",
            amount=money(withdrawal.refunded_minor, withdrawal.currency),
        ),
        "success",
    )
    if withdrawal.kept_minor:
        flash(kept_explanation(withdrawal.kept_minor, withdrawal.currency), "info")
    return True
