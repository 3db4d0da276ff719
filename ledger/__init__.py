"""Double-entry bookkeeping for Streakpot, on SQLAlchemy only.

Design overview
---------------
- **Accounts** have a kind (asset, liability, equity, revenue, expense), one currency and a
  stable human-readable ``code`` chosen by the application. ``non_negative`` marks accounts whose
  balance may never drop below zero (wallets, held deposits, pots).
- **Transactions** are balanced sets of **postings**, in one currency, written once and never
  changed (append-only; corrections are new transactions). Each carries a unique idempotency
  ``key``: posting the same key again returns the first transaction; the same key with other
  legs raises ``IdempotencyConflict``.
- **Sign convention** (the one place it is stated): postings are signed from the asset side,
  debit positive and credit negative, and every transaction sums to zero. An asset's balance
  grows with positive postings; a liability's, equity's or revenue's with negative ones.
  ``normal_sign(kind)`` (+1 for asset/expense, -1 otherwise) turns a raw balance into the way its
  owner reads it: a deposit of 100 is processor cash +100 and held deposit -100, and both read as
  100 with ``normal=True``.
- **Amounts** are integers of the currency's minor unit. No floats, no Decimal in storage.
- **Guards in depth**: Python checks in every write path; ``CHECK (amount_minor <> 0)``; a unique
  key; on PostgreSQL triggers that refuse an unbalanced transaction and any UPDATE or DELETE
  (ledger/ddl.py).
- **Invariants** (ledger/invariants.py) recompute everything from the postings and return a list
  of violations; the application adds its own checks through ``verify(extra_checks=...)``.

The ledger imports nothing of the application, Flask, Stripe or the scheduler.
"""

from ledger.accounts import ensure_accounts, get_or_create_account
from ledger.balances import Statement, StatementEntry, balance, balances, normal_balance, statement
from ledger.base import Base, UTCDateTime
from ledger.errors import (
    EmptyTransaction,
    IdempotencyConflict,
    LedgerError,
    MixedCurrency,
    NegativeBalance,
    UnbalancedTransaction,
    UnknownAccount,
    ZeroPosting,
)
from ledger.kinds import AccountKind, normal_sign
from ledger.models import Account, LedgerTransaction, Posting
from ledger.posting import Leg, TransactionSpec, post, post_from_select, post_many

__all__ = [
    "Account", "AccountKind", "Base", "EmptyTransaction", "IdempotencyConflict", "Leg", "LedgerError",
    "LedgerTransaction", "MixedCurrency", "NegativeBalance", "Posting", "Statement", "StatementEntry",
    "TransactionSpec", "UTCDateTime", "UnbalancedTransaction", "UnknownAccount", "ZeroPosting",
    "balance", "balances", "ensure_accounts", "get_or_create_account", "normal_balance", "normal_sign",
    "post", "post_from_select", "post_many", "statement",
]  # fmt: skip
