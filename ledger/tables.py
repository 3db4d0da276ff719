"""The ledger's tables and balance, as SQLAlchemy Core, for the set-based code elsewhere.

Settlement writes a day of a million enrollments, and receipts and the audit read them, with
INSERT ... SELECT and aggregate statements over these tables rather than ORM objects. They get
the tables and the balance expression here, where the sign convention lives.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, func, select

from ledger.kinds import AccountKind, normal_sign
from ledger.models import Account, LedgerTransaction, Posting


def accounts() -> Table:
    return Account.__table__


def transactions() -> Table:
    return LedgerTransaction.__table__


def postings() -> Table:
    return Posting.__table__


def normal_sum(amount_column, kind: AccountKind | str) -> ColumnElement[int]:
    """SUM(amount) of postings on accounts of ``kind``, as their owner reads it (0 when none)."""
    return func.coalesce(func.sum(amount_column), 0) * normal_sign(kind)


def balance_sql(account_id_column, kind: AccountKind | str = AccountKind.LIABILITY):
    """A scalar subquery: the normal balance of the account ``account_id_column`` (of ``kind``)."""
    p = postings()
    return (
        select(normal_sum(p.c.amount_minor, kind))
        .where(p.c.account_id == account_id_column)
        .scalar_subquery()
    )
