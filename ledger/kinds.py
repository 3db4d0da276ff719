"""Account kinds and the one sign convention of the ledger."""

from __future__ import annotations

from enum import StrEnum


class AccountKind(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"


#: debit-normal kinds: their balance grows with positive postings
DEBIT_NORMAL = frozenset({AccountKind.ASSET, AccountKind.EXPENSE})


def normal_sign(kind: str) -> int:
    """+1 for assets and expenses, -1 for liabilities, equity and revenue.

    ``raw balance * normal_sign(kind)`` reads the way a person expects: a wallet holding 500 fen
    (a liability we owe) has raw balance -500 and normal balance 500.
    """
    return 1 if AccountKind(kind) in DEBIT_NORMAL else -1
