"""Settling challenge days: the sweep, day 0's opening, and one day's settlement.

SPEC.md, "Settling day k", is the contract; docs/settlement.md explains every rule with a worked
example. The shape:

- :func:`settle_due_days` is the sweep the scheduler runs every minute (and ``flask settle`` runs
  for operators). It repeatedly picks ONE unit of work -- open a challenge's day 0, or settle its
  next due day -- locks that challenge's row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any
  number of runners share the work and never wait on each other), does the unit, and commits.
  Days of a challenge therefore go strictly in order (``settled_days`` is the next day), a
  restart after downtime settles the backlog (the sweep *is* the catch-up), and a unit that fails
  is rolled back whole and retried by the next sweep.
- A unit is all or nothing: a ``day_settlements`` row (unique per challenge and day: the
  idempotency guard), a handful of ledger transactions whose legs come from set-based SELECTs
  (``ledger.post_from_select``, one INSERT ... SELECT each, idempotent by key), and set-based
  UPDATEs of enrollments. Nothing is done per enrollment in Python, so a day of a million
  enrollments costs a few statements, not a million objects.

Ledger keys: one transaction per kind of movement (``open:{ch}:...`` at day 0's opening,
``settle:{ch}:{k}:...`` for a day), so receipts and statements can be read back from the ledger
by key, never from a copy. ``habits.books`` builds them and has the table of what each moves.

The package: ``sweep`` (the unit-of-work loop and its locks), ``day_zero`` (the opening),
``day`` (one day, as SPEC's named steps), ``outcomes`` (the day's outcomes table and the legs it
makes), ``errors``. The split's SQL form comes from ``habits.domain_sql.split``.
"""

from habits.services.settlement.day import settle_next_day
from habits.services.settlement.day_zero import open_day_zero
from habits.services.settlement.errors import SettlementError
from habits.services.settlement.sweep import SweepResult, settle_due_days

__all__ = ["SettlementError", "SweepResult", "open_day_zero", "settle_due_days", "settle_next_day"]
