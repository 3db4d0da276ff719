"""Account kinds and the one sign convention of the ledger."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, case


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


def normal_sign_sql(kind_column) -> ColumnElement[int]:
    """:func:`normal_sign` of an account kind column, as SQL."""
    return case((kind_column.in_(sorted(DEBIT_NORMAL)), 1), else_=-1)


def normal_sign_sql_text(kind_column: str) -> str:
    """:func:`normal_sign` as literal SQL text, for the hand-written statements of ``invariants``."""
    kinds = ", ".join(f"'{kind.value}'" for kind in sorted(DEBIT_NORMAL))
    return f"CASE WHEN {kind_column} IN ({kinds}) THEN 1 ELSE -1 END"
