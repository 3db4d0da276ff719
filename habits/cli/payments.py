"""`flask payments reconcile`: compare the processor's payments and refunds with the ledger.

The gateway comes from ``app.extensions`` (the CLI may not import stripe, even indirectly).
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from habits.extensions import db
from habits.payments.reconcile import paid_payouts_to_match, reconcile_app
from habits.services.withdrawals import send_due_refunds

payments_cli = AppGroup("payments", help="Payments: reconciliation with the processor.")


@payments_cli.command("reconcile")
def reconcile_command() -> None:
    """List every difference between the processor (Stripe's API, or the stored events in the
    offline mode) and our payment records and ledger; exit 1 when there is any."""
    mode = current_app.config["PAYMENTS_MODE"]
    differences = reconcile_app(db.session, current_app.extensions["streakpot.gateway"], mode)
    paid = paid_payouts_to_match(db.session)
    db.session.rollback()
    source = "Stripe" if mode == "stripe" else "the stored webhook events"
    if paid:
        click.echo(f"{len(paid)} paid payout(s): match each with the transfer in your bank's statement:")
        for payout in paid:
            click.echo(f"- {payout}")
    if not differences:
        click.echo(f"reconciled with {source}: no differences")
        return
    click.echo(f"{len(differences)} difference(s) with {source}:")
    for difference in differences:
        click.echo(f"- {difference}")
    raise SystemExit(1)


@payments_cli.command("send-refunds")
def send_refunds_command() -> None:
    """Send every refund still ``requested`` (the processor was unreachable, or the process
    stopped between booking a withdrawal and sending it). Each keeps its idempotency key, so
    running this twice refunds nothing twice."""
    gateway = current_app.extensions["streakpot.gateway"]
    now = datetime.now(UTC)
    refunds = send_due_refunds(db.session, gateway=gateway, now=now)
    db.session.commit()
    gateway.after_commit(db.session, now=now)
    sent = sum(1 for refund in refunds if refund.refund_id)
    click.echo(f"{sent} of {len(refunds)} requested refund(s) sent")
