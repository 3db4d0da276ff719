"""For the tests that hold an override of a library's internals to the installed library.

The overrides live in habits/fastpath/ and gunicorn_worker.py; pyproject.toml bounds each of those
libraries to the versions these tests passed on. When one fails after an upgrade, the message
names the library, its installed version and the internal that moved.
"""

from __future__ import annotations

from importlib.metadata import version

import pytest


def require(distribution: str, holds: bool, internal: str) -> None:
    """Fail loudly, naming ``distribution`` and its installed version, unless ``holds``."""
    if not holds:
        pytest.fail(
            f"{distribution} {version(distribution)} changed an internal Streakpot relies on: {internal}. "
            "Adapt the override (habits/fastpath/ or gunicorn_worker.py) to this version, or keep "
            "the version bound in pyproject.toml.",
            pytrace=False,
        )
