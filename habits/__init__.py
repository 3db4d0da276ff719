"""Streakpot: action communities with deposits, daily check-ins and a ledger that proves itself."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("streakpot")
except PackageNotFoundError:  # running from a bare checkout
    __version__ = "0.0.0+unknown"
