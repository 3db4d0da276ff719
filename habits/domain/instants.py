"""How an instant is written wherever a member or a client reads one: RFC 3339 in UTC with ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339_utc(instant: datetime) -> str:
    """An aware instant as RFC 3339 UTC with a ``Z`` (``2026-11-25T06:00:00Z``)."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
