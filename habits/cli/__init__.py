"""`flask --app app …` commands for operators. Each group lives in its own module."""

from __future__ import annotations

from habits.cli.admin import admin_cli
from habits.cli.demo import seed_demo_command
from habits.cli.ledger import ledger_cli
from habits.cli.payments import payments_cli
from habits.cli.settle import settle_command
from habits.cli.terms import terms_cli


def register_commands(app) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(settle_command)
    app.cli.add_command(payments_cli)
    app.cli.add_command(admin_cli)
    app.cli.add_command(terms_cli)
