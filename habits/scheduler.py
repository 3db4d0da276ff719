"""The only module that imports APScheduler: the job list and where the scheduler runs.

The settlement sweep arrives with the settlement issue; until then the scheduler only beats.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def should_start_in_process(app) -> bool:
    """In-process only for the demo, never under tests, and once under the debug reloader."""
    if app.config["SCHEDULER_MODE"] != "in-process" or app.config.get("TESTING"):
        return False
    # The reloader's watcher process sets no WERKZEUG_RUN_MAIN; only the child serves.
    return not (app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true")


def start_in_process(app) -> None:
    if should_start_in_process(app):
        log.info("in-process scheduler: nothing scheduled yet")
