"""What the ledger refuses. Every refusal leaves nothing written."""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every ledger refusal."""


class UnbalancedTransaction(LedgerError):
    """The legs do not sum to zero."""


class EmptyTransaction(LedgerError):
    """A transaction needs at least one leg (in practice two)."""


class ZeroPosting(LedgerError):
    """A leg of zero moves nothing and is refused (CHECK amount_minor <> 0)."""


class MixedCurrency(LedgerError):
    """A leg's account is in another currency than the transaction."""


class UnknownAccount(LedgerError):
    """A leg names an account that does not exist."""


class NegativeBalance(LedgerError):
    """The transaction would take an account that may not go negative below zero."""


class IdempotencyConflict(LedgerError):
    """The key was already used for a different movement: reusing a key for other legs is a bug."""
