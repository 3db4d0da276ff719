"""`flask terms publish FILE`, `flask terms show`: the terms of service, from the command line.

The same service as the administrators' page (/admin/terms): each publication is a new version,
which members accept before their next deposit.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from habits.extensions import db
from habits.services import terms
from habits.services.errors import HabitsError

terms_cli = AppGroup("terms", help="The terms of service members accept.")


@terms_cli.command("publish")
@click.argument("path", type=click.File("r", encoding="utf-8"))
def publish_command(path) -> None:
    """Publish the Markdown in PATH as the next version of the terms."""
    try:
        version = terms.publish_terms(db.session, body=path.read(), now=datetime.now(UTC))
    except HabitsError as refused:
        db.session.rollback()
        raise click.ClickException(refused.detail) from None
    db.session.commit()
    click.echo(f"version {version.version} of the terms is published")


@terms_cli.command("show")
def show_command() -> None:
    """Print the terms in force (and their version)."""
    current = terms.current_terms(db.session)
    db.session.rollback()
    if current is None:
        click.echo("no terms are published: `flask terms publish FILE` publishes them")
        return
    click.echo(f"version {current.version}, published {current.published_at.isoformat()}\n")
    click.echo(current.body)
