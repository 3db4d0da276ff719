"""The web node's heartbeat: a thread per worker process that marks each minute as served.

SPEC: the outage excuse follows a heartbeat written every minute by every process that accepts
check-ins. A thread, not an after-request hook: a hook writes only when requests come, and a
quiet night (a small community, a window nobody taps in for a few minutes) would read as an
outage and excuse the day. The thread beats whether or not anyone taps, once a minute, just
after the minute starts, in its own short transaction (never a request's): an insert of the
minute's row that does nothing when another process wrote it, and an upsert of its node's row
(whose age the metrics report). A worker that is gone stops beating; when every worker of every
node is gone the minutes go missing, and the day is excused.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime

import click
from flask import Flask

from habits.extensions import db
from habits.services.health import WEB, record_heartbeat, record_node_beat

log = logging.getLogger(__name__)

#: seconds after the minute starts to beat (clear of the minute's edge, whatever the clock's jitter)
OFFSET_SECONDS = 2.0

_started_in: int | None = None  # the pid whose thread runs (a forked child starts its own)


def node_name(app: Flask) -> str:
    """This node's name in the heartbeat and the metrics: STREAKPOT_NODE_NAME, else the host's."""
    return app.config.get("NODE_NAME") or socket.gethostname()


def beat(app: Flask, *, now: datetime) -> bool:
    """Write the minute's heartbeat and this node's beat, committed; False (logged) if it failed."""
    with app.app_context():
        session = db.session
        try:
            record_heartbeat(session, now=now)
            record_node_beat(session, node=node_name(app), role=WEB, now=now)
            session.commit()
            return True
        except Exception:
            session.rollback()
            log.exception("heartbeat write failed")
            return False
        finally:
            session.remove()


def seconds_to_next_beat(now: datetime) -> float:
    into_minute = now.second + now.microsecond / 1_000_000
    return 60.0 - into_minute + OFFSET_SECONDS


class HeartbeatThread(threading.Thread):
    def __init__(self, app: Flask):
        super().__init__(name="streakpot-heartbeat", daemon=True)
        self.app = app
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            beat(self.app, now=datetime.now(UTC))
            self.stopping.wait(seconds_to_next_beat(datetime.now(UTC)))


def should_beat(app: Flask) -> bool:
    """Only a process that serves requests beats: gunicorn's workers (no click command around
    them) and `flask run`'s serving process; never tests, `flask db upgrade`, `flask settle` or
    `flask scheduler run` (the scheduler accepts no check-ins)."""
    if app.config.get("TESTING"):
        return False
    command = click.get_current_context(silent=True)
    if command is not None:
        parent = command.parent.info_name if command.parent is not None else None
        if command.info_name != "run" or parent == "scheduler":
            return False
    return not (app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true")


def start_heartbeat(app: Flask) -> HeartbeatThread | None:
    """Start this process's heartbeat thread, at most once per process."""
    global _started_in
    if not should_beat(app) or _started_in == os.getpid():
        return None
    _started_in = os.getpid()
    thread = HeartbeatThread(app)
    thread.start()
    app.extensions["streakpot_heartbeat"] = thread
    return thread
