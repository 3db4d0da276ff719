"""A settler process for the PostgreSQL process tests (never collected by pytest itself).

    python -m tests.settlement.settler AS_OF [--wait]

Runs one sweep at AS_OF against TEST_DATABASE_URL and prints ``{"settled": [...], "statements":
n}`` as JSON. With ``--wait`` it builds the app, prints ``ready`` and waits for a line on stdin,
so a test can start several settlers at the same instant. ``SETTLER_KILL_AT=n`` makes it kill
itself with SIGKILL just before its n-th SQL statement: a crash at an exact point, no timing.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
from datetime import datetime

from sqlalchemy import event

from app import create_app
from habits.extensions import db
from habits.services.settlement import settle_due_days
from tests.conftest import test_settings


def main() -> None:
    as_of = datetime.fromisoformat(sys.argv[1])
    app = create_app(test_settings(os.environ["TEST_DATABASE_URL"], tempfile.mkdtemp(prefix="settler-")))
    kill_at = int(os.environ.get("SETTLER_KILL_AT", "0"))
    statements = 0
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_args):
            nonlocal statements
            statements += 1
            if statements == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

        with engine.connect() as warm:  # connect before the barrier: the race is in the sweep
            warm.exec_driver_sql("SELECT 1")
        statements = 0
        if "--wait" in sys.argv:
            print("ready", flush=True)
            sys.stdin.readline()
        result = settle_due_days(db.session, now=as_of, commit=db.session.commit)
    print(
        json.dumps({"settled": result.settled, "failed": result.failed, "statements": statements}), flush=True
    )


if __name__ == "__main__":
    main()
