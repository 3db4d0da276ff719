"""Reading the books: balances (now or as of an instant) and statements with running balances."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.accounts import CHUNK
from ledger.kinds import normal_sign
from ledger.models import Account, LedgerTransaction, Posting


def balance(
    session: Session, account: Account | int, *, as_of: datetime | None = None, normal: bool = False
) -> int:
    """The raw signed sum of the account's postings (debit positive), or as its owner reads it
    with ``normal=True``. ``as_of`` counts transactions that occurred at or before that instant."""
    account_id = account if isinstance(account, int) else account.id
    return balances(session, [account_id], as_of=as_of, normal=normal)[account_id]


def normal_balance(session: Session, account: Account | int, *, as_of: datetime | None = None) -> int:
    return balance(session, account, as_of=as_of, normal=True)


def balances(
    session: Session,
    accounts: Iterable[Account | int],
    *,
    as_of: datetime | None = None,
    normal: bool = False,
) -> dict[int, int]:
    """Balances of many accounts in a few queries: {account_id: balance} (0 for no postings)."""
    ids = sorted({a if isinstance(a, int) else a.id for a in accounts})
    result = dict.fromkeys(ids, 0)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        query = (
            select(Posting.account_id, func.sum(Posting.amount_minor))
            .where(Posting.account_id.in_(chunk))
            .group_by(Posting.account_id)
        )
        if as_of is not None:
            query = query.join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id).where(
                LedgerTransaction.occurred_at <= as_of
            )
        result.update((account_id, int(total)) for account_id, total in session.execute(query))
    if normal:
        kinds = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            kinds.update(session.execute(select(Account.id, Account.kind).where(Account.id.in_(chunk))).all())
        result = {account_id: total * normal_sign(kinds[account_id]) for account_id, total in result.items()}
    return result


@dataclass(frozen=True)
class StatementEntry:
    transaction_id: int
    key: str
    memo: str
    occurred_at: datetime
    #: signed as the owner reads it (positive = money in)
    amount_minor: int
    running_balance: int


@dataclass(frozen=True)
class Statement:
    account_id: int
    entries: list[StatementEntry]
    total: int
    page: int
    per_page: int


def statement(session: Session, account: Account | int, *, page: int = 1, per_page: int = 50) -> Statement:
    """The account's postings, oldest first, one page at a time, each with the balance after it
    (normal sign). Stable order: occurred_at, then transaction id, then posting id."""
    account = account if isinstance(account, Account) else session.get(Account, account)
    page, per_page = max(page, 1), max(min(per_page, 500), 1)
    sign = normal_sign(account.kind)
    order = (LedgerTransaction.occurred_at, LedgerTransaction.id, Posting.id)
    base = (
        select(Posting.id, Posting.amount_minor, LedgerTransaction.id, LedgerTransaction.key,
               LedgerTransaction.memo, LedgerTransaction.occurred_at)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(Posting.account_id == account.id)
    )  # fmt: skip
    total = session.scalar(select(func.count()).where(Posting.account_id == account.id))
    offset = (page - 1) * per_page
    earlier = base.order_by(*order).limit(offset).subquery()
    running = (session.scalar(select(func.coalesce(func.sum(earlier.c.amount_minor), 0))) or 0) * sign
    entries = []
    for _pid, amount, transaction_id, key, memo, occurred_at in session.execute(
        base.order_by(*order).offset(offset).limit(per_page)
    ):
        running += amount * sign
        entries.append(StatementEntry(transaction_id, key, memo, occurred_at, amount * sign, running))
    return Statement(account.id, entries, total, page, per_page)
