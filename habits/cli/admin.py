"""`flask admin grant|revoke EMAIL`, `flask admin list`: the site administrators, who decide payouts.

Only this command line makes an administrator: whoever runs it already holds the server.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from habits.extensions import db
from habits.services import site_admins
from habits.services.errors import HabitsError

admin_cli = AppGroup("admin", help="Site administrators (they decide payouts).")


def _run(service, email: str) -> None:
    try:
        member = service(db.session, email=email, now=datetime.now(UTC))
    except HabitsError as refused:
        db.session.rollback()
        raise click.ClickException(refused.detail) from None
    db.session.commit()
    state = "is" if member.is_admin else "is not"
    click.echo(f"{member.email} {state} a site administrator")


@admin_cli.command("grant")
@click.argument("email")
def grant_command(email: str) -> None:
    """Make the member registered with EMAIL a site administrator."""
    _run(site_admins.grant_admin, email)


@admin_cli.command("revoke")
@click.argument("email")
def revoke_command(email: str) -> None:
    """The member registered with EMAIL is no site administrator any more."""
    _run(site_admins.revoke_admin, email)


@admin_cli.command("list")
def list_command() -> None:
    """Every site administrator."""
    admins = site_admins.site_admins(db.session)
    db.session.rollback()
    for member in admins:
        click.echo(member.email)
    if not admins:
        click.echo("no site administrator: grant one with `flask admin grant EMAIL`")
