"""Streakpot's rules as pure Python: day windows, daily stakes, pot splits, enrollment lifecycle.

Standard library only (ints, dates, zoneinfo, dataclasses). Nothing here touches the
database, Flask or the rest of ``habits``, so every rule can be tested exhaustively.
The contract is SPEC.md; each module's docstring quotes the rule it implements.
"""
