"""Reading a notification's params back (they are JSON, written by Python or by SQL)."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_instant(text: str) -> datetime:
    """An instant as params keep it: RFC 3339 (Python, PostgreSQL's JSON), or SQLite's
    ``YYYY-MM-DD HH:MM:SS[.ffffff]`` in UTC (JSON that SQLite's SQL wrote)."""
    instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return instant.astimezone(UTC) if instant.tzinfo else instant.replace(tzinfo=UTC)
