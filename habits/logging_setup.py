"""Structured logs: one JSON object per line on stderr, easy for journald or a log shipper.

Every line written while a request is served carries its ``request_id`` (set by
``habits.observability.requests`` for the request's thread), so one request's lines can be found
together and matched with the proxy's access log.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

#: the id of the request this thread is serving (None outside requests)
current_request_id: ContextVar[str | None] = ContextVar("streakpot_request_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id.get()
        if request_id is not None:
            entry["request_id"] = request_id
        # Anything passed as `extra=` travels as its own field.
        entry.update({k: v for k, v in vars(record).items() if k not in STANDARD_ATTRS})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic announces its plugins at INFO on every command; that is noise, not news.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
