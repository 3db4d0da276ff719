"""Double-entry bookkeeping for Streakpot (SQLAlchemy only; knows nothing of habits or Flask)."""

from ledger.base import Base, UTCDateTime

__all__ = ["Base", "UTCDateTime"]
