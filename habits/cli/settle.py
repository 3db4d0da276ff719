"""`flask --app app settle [--as-of RFC3339]`: run the settlement sweep once, for operators.

It is the scheduler's sweep without the scheduler: every day 0 that opened and every day that is
due at the instant is settled, in order, exactly once (running it again, or next to a scheduler,
settles nothing twice). It writes no heartbeat: only the processes that accept check-ins prove
the service was up.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from habits.domain.instants import rfc3339_utc
from habits.extensions import db
from habits.services.settlement import settle_due_days


def parse_instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an RFC 3339 instant (e.g. 2026-11-25T06:00:00Z)") from None
    if instant.tzinfo is None:
        raise click.BadParameter(
            f"{text!r} has no offset; write it in UTC with a Z (e.g. 2026-11-25T06:00:00Z)"
        )
    return instant.astimezone(UTC)


@click.command("settle")
@click.option(
    "--as-of", "as_of", help="settle what is due at this RFC 3339 instant (default: now); not later"
)
@with_appcontext
def settle_command(as_of: str | None) -> None:
    """Settle every challenge day that is due, in order, exactly once."""
    now = datetime.now(UTC)
    instant = parse_instant(as_of) if as_of else now
    if instant > now:
        # Settling a day before it is due would close it while members can still check in.
        raise click.BadParameter("--as-of cannot be in the future: days are settled only once due")
    session = db.session
    result = settle_due_days(session, now=instant, commit=session.commit)
    for challenge_id in result.opened:
        click.echo(f"challenge {challenge_id}: day 0 opened")
    for challenge_id in result.cancelled:
        click.echo(f"challenge {challenge_id}: cancelled at day 0 (too few participants)")
    for challenge_id, day in result.settled:
        click.echo(f"challenge {challenge_id}: day {day} settled")
    for challenge_id, error in result.failed:
        click.echo(f"challenge {challenge_id}: FAILED, rolled back ({error})", err=True)
    click.echo(f"settled {len(result.settled)} day(s) as of {rfc3339_utc(instant)}")
    if result.failed:
        sys.exit(1)
