"""Opening accounts: one at a time (race-safe) or many at once (set-based)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.errors import LedgerError
from ledger.kinds import AccountKind
from ledger.models import Account

CHUNK = 5000  # rows per IN list / multi-row INSERT (SQLite allows 32,766 bound values)


class AccountLike(Protocol):
    code: str
    kind: str
    currency: str
    non_negative: bool


def get_or_create_account(
    session: Session, *, code: str, kind: str, currency: str, non_negative: bool = False
) -> Account:
    """The account with ``code``, created if missing. Two sessions racing get the same row."""
    kind = AccountKind(kind).value
    account = session.scalar(select(Account).where(Account.code == code))
    if account is None:
        try:
            with session.begin_nested():
                account = Account(code=code, kind=kind, currency=currency, non_negative=non_negative)
                session.add(account)
        except IntegrityError:
            account = session.scalar(select(Account).where(Account.code == code))
            if account is None:
                raise
    if (account.kind, account.currency, account.non_negative) != (kind, currency, non_negative):
        raise LedgerError(
            f"account {code} exists as {account.kind}/{account.currency}/"
            f"non_negative={account.non_negative}, not {kind}/{currency}/non_negative={non_negative}"
        )
    return account


def ensure_accounts(session: Session, specs: Iterable[AccountLike]) -> dict[str, int]:
    """Get or create many accounts at once; returns {code: id}. Set-based, for bulk settlement."""
    wanted = {spec.code: spec for spec in specs}
    found = _ids_by_code(session, wanted)
    for _attempt in range(3):
        missing = [wanted[code] for code in wanted if code not in found]
        if not missing:
            return found
        rows = [
            {
                "code": s.code,
                "kind": AccountKind(s.kind).value,
                "currency": s.currency,
                "non_negative": s.non_negative,
            }
            for s in missing
        ]
        try:
            with session.begin_nested():
                for start in range(0, len(rows), CHUNK):
                    session.execute(insert(Account), rows[start : start + CHUNK])
        except IntegrityError:
            pass  # another session opened some of them first: read those back, insert the rest again
        found.update(_ids_by_code(session, {s.code: s for s in missing}))
    if any(code not in found for code in wanted):
        raise LedgerError("could not open accounts: they keep colliding with concurrent inserts")
    return found


def _ids_by_code(session: Session, wanted: dict[str, AccountLike]) -> dict[str, int]:
    """{code: id} of the accounts that exist; one that exists with another kind, currency or
    non-negative flag is refused, as get_or_create_account refuses it."""
    codes = list(wanted)
    found: dict[str, int] = {}
    for start in range(0, len(codes), CHUNK):
        rows = session.execute(
            select(Account.code, Account.id, Account.kind, Account.currency, Account.non_negative).where(
                Account.code.in_(codes[start : start + CHUNK])
            )
        )
        for code, account_id, kind, currency, non_negative in rows:
            spec = wanted[code]
            if (kind, currency, non_negative) != (
                AccountKind(spec.kind).value,
                spec.currency,
                spec.non_negative,
            ):
                raise LedgerError(f"account {code} exists as {kind}/{currency}/non_negative={non_negative}")
            found[code] = account_id
    return found
