"""`flask ledger verify`: recompute every invariant from the postings; exit 1 on any violation."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from habits.extensions import db
from habits.services.audit import HABITS_CHECKS
from ledger.invariants import verify_report


@click.group("ledger", help="Check the books.")
def ledger_cli() -> None:
    pass


@ledger_cli.command("verify")
@with_appcontext
def verify_command() -> None:
    """Recompute the ledger's and Streakpot's invariants; list violations and exit 1 if any."""
    report = verify_report(db.session, HABITS_CHECKS)
    db.session.rollback()  # read-only: end the transaction
    for violation in report.violations:
        click.echo(f"{violation.check}: {violation.message}")
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)
