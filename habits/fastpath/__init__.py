"""The fence: the only package that imports psycopg or reaches into a library's private internals.

The check-in hot path earned its speed by going around libraries (docs/benchmarks.md, "Check-in
wake-up spike"); everything that does so lives here, each module with a test in
tests/fastpath/test_library_internals.py that names the library and its version when the internal
it leans on changes, and pyproject.toml bounds those libraries to the versions tested. The rest
of the app calls these modules' functions and stays on public APIs (import-linter holds the
psycopg import, ruff's SLF001 the private attributes).

This file imports nothing, so a service importing ``direct_sql`` pulls in neither Flask nor the
other modules' libraries; the modules import nothing of the app either (a leaf below services
and edges alike).
"""
