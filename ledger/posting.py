"""Writing transactions: one at a time, many at once, or one whose legs come from a SELECT.

All three keep the same rules (balanced, one currency, no zero leg, at least one leg, idempotent
by key, accounts that may not go negative stay at or above zero) and leave nothing behind when a
rule fails: the work happens inside a SAVEPOINT that a refusal rolls back.

Every transaction's legs are written in ONE INSERT statement, which the PostgreSQL statement
trigger relies on to check balance per statement (see ledger/ddl.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import BigInteger, Select, func, insert, literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.accounts import CHUNK
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
from ledger.kinds import normal_sign, normal_sign_sql
from ledger.models import Account, LedgerTransaction, Posting


class Leg(NamedTuple):
    """One side of a movement: an account (or its id) and a signed amount in minor units."""

    account: Account | int
    amount_minor: int


@dataclass(frozen=True)
class TransactionSpec:
    key: str
    currency: str
    legs: Sequence[Leg]
    memo: str
    occurred_at: datetime


def post(
    session: Session, *, key: str, currency: str, legs: Sequence[Leg], memo: str, occurred_at: datetime
) -> LedgerTransaction:
    """Write one balanced transaction, or return the one already written under ``key``.

    Raises UnbalancedTransaction, ZeroPosting, EmptyTransaction, MixedCurrency, UnknownAccount,
    NegativeBalance, or IdempotencyConflict (``key`` already names different legs). Safe when
    two sessions post the same key at once: one writes, the other gets the written transaction.
    """
    pairs = _validated(key, legs)
    existing = session.scalar(select(LedgerTransaction).where(LedgerTransaction.key == key))
    if existing is not None:
        return _same_or_conflict(session, existing, currency, pairs)
    accounts = _accounts(session, {account_id for account_id, _ in pairs})
    _check_currency(key, currency, pairs, accounts)
    try:
        with session.begin_nested():
            transaction = LedgerTransaction(key=key, currency=currency, memo=memo, occurred_at=occurred_at)
            session.add(transaction)
            session.flush()
            _lock_debited(session, pairs, accounts)
            session.execute(insert(Posting).values(_posting_rows(transaction.id, pairs)))
            _check_non_negative(session, {a for a, _ in pairs if accounts[a].non_negative}, key)
    except IntegrityError:
        existing = session.scalar(select(LedgerTransaction).where(LedgerTransaction.key == key))
        if existing is None:
            raise
        return _same_or_conflict(session, existing, currency, pairs)
    return transaction


def post_many(session: Session, specs: Iterable[TransactionSpec]) -> int:
    """Write many transactions with set-based statements; returns how many were new.

    Every spec is checked before anything is written; keys already posted with the same legs are
    skipped, with other legs raise IdempotencyConflict. All or nothing.
    """
    batch: dict[str, tuple[TransactionSpec, list[tuple[int, int]]]] = {}
    for spec in specs:
        pairs = _validated(spec.key, spec.legs)
        if spec.key in batch:
            if Counter(batch[spec.key][1]) != Counter(pairs) or batch[spec.key][0].currency != spec.currency:
                raise IdempotencyConflict(f"key {spec.key} appears twice in one batch with different legs")
            continue
        batch[spec.key] = (spec, pairs)
    if not batch:
        return 0
    accounts = _accounts(session, {a for _, pairs in batch.values() for a, _ in pairs})
    for spec, pairs in batch.values():
        _check_currency(spec.key, spec.currency, pairs, accounts)
    for _attempt in range(3):
        fresh = _drop_already_posted(session, batch)
        if not fresh:
            return 0
        try:
            with session.begin_nested():
                _write_many(session, fresh, accounts)
            return len(fresh)
        except IntegrityError:
            continue  # a concurrent writer took some keys: drop those and write the rest
    raise LedgerError("post_many kept colliding with concurrent writers")


def post_from_select(
    session: Session, *, key: str, currency: str, memo: str, occurred_at: datetime, legs: Select
) -> LedgerTransaction | None:
    """Write ONE transaction whose legs are the rows (account_id, amount_minor) of ``legs``.

    Written with INSERT ... SELECT and checked in SQL afterwards (balanced, no zero leg, every
    account in ``currency``, non-negative accounts still >= 0), so a million legs never become
    Python objects. Returns None, writing nothing, when ``legs`` yields no rows. A key already
    posted returns that transaction if its legs per account are the same, else IdempotencyConflict.

    Concurrency contract: this path takes no row locks (locking a million accounts would cost
    more than the write). Its non-negative check sees only committed work, so callers must not
    run two of these that draw down the same accounts at once; the settlement sweep holds the
    challenge's row lock (FOR UPDATE SKIP LOCKED) while it posts. Against ``post()`` it is safe:
    ``post()`` locks the accounts it draws down FOR UPDATE, which waits for the FOR KEY SHARE
    lock this INSERT's foreign key takes on the same account rows.
    """
    existing = session.scalar(select(LedgerTransaction).where(LedgerTransaction.key == key))
    if existing is not None:
        _same_as_select_or_conflict(session, existing, currency, legs)
        return existing
    source = legs.subquery()
    account_col, amount_col = list(source.c)[:2]
    try:
        with session.begin_nested():
            transaction = LedgerTransaction(key=key, currency=currency, memo=memo, occurred_at=occurred_at)
            session.add(transaction)
            session.flush()
            # preserve_rowcount: without it SQLAlchemy reads psycopg's rowcount after closing the
            # cursor and gets -1 for an INSERT ... SELECT (0 rows then looked like some rows)
            inserted = session.execute(
                insert(Posting).from_select(
                    ["transaction_id", "account_id", "amount_minor"],
                    select(literal(transaction.id, BigInteger), account_col, amount_col).select_from(source),
                ),
                execution_options={"preserve_rowcount": True},
            ).rowcount
            if not inserted:
                raise _NothingToPost
            _check_posted(session, transaction, key)
    except _NothingToPost:
        return None
    except IntegrityError as exc:
        existing = session.scalar(select(LedgerTransaction).where(LedgerTransaction.key == key))
        if existing is None:
            message = str(exc.orig)
            if "unbalanced" in message:  # the PostgreSQL statement trigger
                raise UnbalancedTransaction(f"{key}: {message}") from exc
            if "amount_not_zero" in message:
                raise ZeroPosting(f"{key}: a leg of zero") from exc
            raise
        _same_as_select_or_conflict(session, existing, currency, legs)
        return existing
    return transaction


class _NothingToPost(Exception):
    pass


# --- checks -----------------------------------------------------------------------------------


def _account_id(account: Account | int) -> int:
    return account if isinstance(account, int) else account.id


def _validated(key: str, legs: Sequence[Leg]) -> list[tuple[int, int]]:
    if not key:
        raise LedgerError("a transaction needs an idempotency key")
    pairs = []
    for account, amount in legs:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise LedgerError(f"{key}: amounts are integers of minor units, not {type(amount).__name__}")
        if amount == 0:
            raise ZeroPosting(f"{key}: a leg of zero moves nothing")
        pairs.append((_account_id(account), amount))
    if not pairs:
        raise EmptyTransaction(f"{key}: no legs")
    total = sum(amount for _, amount in pairs)
    if total != 0:
        raise UnbalancedTransaction(f"{key}: legs sum to {total}, not 0")
    return pairs


def _accounts(session: Session, ids: set[int]) -> dict[int, Account]:
    found: dict[int, Account] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        found.update((a.id, a) for a in session.scalars(select(Account).where(Account.id.in_(chunk))))
    missing = ids - found.keys()
    if missing:
        raise UnknownAccount(f"no such account: {sorted(missing)[:10]}")
    return found


def _check_currency(key: str, currency: str, pairs, accounts: dict[int, Account]) -> None:
    for account_id, _ in pairs:
        if accounts[account_id].currency != currency:
            raise MixedCurrency(
                f"{key}: account {accounts[account_id].code} is in {accounts[account_id].currency}"
            )


def _same_or_conflict(
    session: Session, existing: LedgerTransaction, currency: str, pairs
) -> LedgerTransaction:
    written = session.execute(
        select(Posting.account_id, Posting.amount_minor).where(Posting.transaction_id == existing.id)
    ).all()
    if existing.currency != currency or Counter(written) != Counter(pairs):
        raise IdempotencyConflict(f"key {existing.key} was already used for a different movement")
    return existing


def _same_as_select_or_conflict(session: Session, existing: LedgerTransaction, currency: str, legs: Select):
    """Compare per-account totals of the written postings with those of ``legs``, in SQL."""
    source = legs.subquery()
    account_col, amount_col = list(source.c)[:2]
    both = union_all(
        select(account_col.label("account_id"), amount_col.label("amount")),
        select(Posting.account_id, -Posting.amount_minor).where(Posting.transaction_id == existing.id),
    ).subquery()
    differing = session.scalar(
        select(func.count()).select_from(
            select(both.c.account_id)
            .group_by(both.c.account_id)
            .having(func.sum(both.c.amount) != 0)
            .subquery()
        )
    )
    if existing.currency != currency or differing:
        raise IdempotencyConflict(f"key {existing.key} was already used for a different movement")


def _normal_amount(amount):
    """A posting's amount as the account's owner reads it (positive = money in)."""
    return amount * normal_sign_sql(Account.kind)


def _normal_sum(amount):
    """SUM(amount) as the account's owner reads it (positive = holds money)."""
    return func.sum(_normal_amount(amount))


def _lock_debited(session: Session, pairs, accounts: dict[int, Account]) -> None:
    """Lock (PostgreSQL) the non-negative accounts this movement draws down, in id order, so two
    concurrent withdrawals from one wallet cannot both pass the balance check."""
    drawn = sorted(
        a for a, amount in pairs if accounts[a].non_negative and amount * normal_sign(accounts[a].kind) < 0
    )
    if drawn:
        session.execute(
            select(Account.id).where(Account.id.in_(drawn)).order_by(Account.id).with_for_update()
        )


def _check_non_negative(session: Session, account_ids: set[int], key: str) -> None:
    ordered = sorted(account_ids)
    for start in range(0, len(ordered), CHUNK):
        _refuse_below_zero(session, ordered[start : start + CHUNK], key)


def _check_posted(session: Session, transaction: LedgerTransaction, key: str) -> None:
    """The SQL-side checks of a transaction written from a SELECT."""
    total, zeros, foreign = session.execute(
        select(
            func.coalesce(func.sum(Posting.amount_minor), 0),
            func.count().filter(Posting.amount_minor == 0),
            func.count().filter(Account.currency != transaction.currency),
        )
        .join(Account, Account.id == Posting.account_id)
        .where(Posting.transaction_id == transaction.id)
    ).one()
    if zeros:
        raise ZeroPosting(f"{key}: {zeros} legs of zero")
    if foreign:
        raise MixedCurrency(f"{key}: {foreign} legs on accounts in another currency")
    if total != 0:
        raise UnbalancedTransaction(f"{key}: legs sum to {total}, not 0")
    # Only accounts this transaction draws down can go below zero by it: one it only pays into
    # ends higher than it was. On a settlement day that skips re-summing every winner's wallet.
    drawn = (
        select(Posting.account_id)
        .join(Account, Account.id == Posting.account_id)
        .where(
            Posting.transaction_id == transaction.id,
            Account.non_negative.is_(True),
            _normal_amount(Posting.amount_minor) < 0,
        )
    )
    _refuse_below_zero(session, drawn, key)


def _refuse_below_zero(session: Session, account_ids, key: str) -> None:
    """NegativeBalance naming the first of ``account_ids`` (a list or a SELECT of ids) whose
    balance, as its owner reads it, is below zero."""
    below = session.execute(
        select(Account.code, _normal_sum(Posting.amount_minor))
        .join(Posting, Posting.account_id == Account.id)
        .where(Account.id.in_(account_ids))
        .group_by(Account.id, Account.code, Account.kind)
        .having(_normal_sum(Posting.amount_minor) < 0)
        .limit(1)
    ).first()
    if below is not None:
        raise NegativeBalance(f"{key}: account {below[0]} would go to {below[1]}")


# --- bulk writing -----------------------------------------------------------------------------


def _drop_already_posted(session: Session, batch) -> list[tuple[TransactionSpec, list[tuple[int, int]]]]:
    keys = list(batch)
    posted: dict[str, LedgerTransaction] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        posted.update(
            (t.key, t)
            for t in session.scalars(select(LedgerTransaction).where(LedgerTransaction.key.in_(chunk)))
        )
    if posted:
        written: dict[int, list[tuple[int, int]]] = {t.id: [] for t in posted.values()}
        ids = list(written)
        for start in range(0, len(ids), CHUNK):
            rows = session.execute(
                select(Posting.transaction_id, Posting.account_id, Posting.amount_minor).where(
                    Posting.transaction_id.in_(ids[start : start + CHUNK])
                )
            )
            for transaction_id, account_id, amount in rows:
                written[transaction_id].append((account_id, amount))
        for key, transaction in posted.items():
            spec, pairs = batch[key]
            if transaction.currency != spec.currency or Counter(written[transaction.id]) != Counter(pairs):
                raise IdempotencyConflict(f"key {key} was already used for a different movement")
    return [batch[key] for key in keys if key not in posted]


def _write_many(session: Session, fresh, accounts: dict[int, Account]) -> None:
    rows = [
        {"key": spec.key, "currency": spec.currency, "memo": spec.memo, "occurred_at": spec.occurred_at}
        for spec, _ in fresh
    ]
    ids: dict[str, int] = {}
    for start in range(0, len(rows), CHUNK):
        result = session.execute(
            insert(LedgerTransaction).returning(LedgerTransaction.id, LedgerTransaction.key),
            rows[start : start + CHUNK],
        )
        ids.update((key, transaction_id) for transaction_id, key in result)
    all_pairs = [pair for _, pairs in fresh for pair in pairs]
    _lock_debited(session, all_pairs, accounts)
    # Postings go in multi-row statements that never split a transaction (the PG trigger checks
    # balance per statement).
    statement_rows: list[dict] = []
    for spec, pairs in fresh:
        if statement_rows and len(statement_rows) + len(pairs) > CHUNK:
            session.execute(insert(Posting).values(statement_rows))
            statement_rows = []
        statement_rows.extend(_posting_rows(ids[spec.key], pairs))
    if statement_rows:
        session.execute(insert(Posting).values(statement_rows))
    flagged = {a for a, _ in all_pairs if accounts[a].non_negative}
    _check_non_negative(session, flagged, f"batch of {len(fresh)}")


def _posting_rows(transaction_id: int, pairs) -> list[dict]:
    return [{"transaction_id": transaction_id, "account_id": a, "amount_minor": m} for a, m in pairs]
