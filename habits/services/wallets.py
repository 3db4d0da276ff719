"""Wallets: what the platform owes a member now, and the wallet as the member sees it.

A wallet is a liability account per member and currency (``books.wallet``): its ledger balance
is negative when we owe, so ``available_minor`` flips the sign. ``lock_wallet`` is the one way to
take a wallet's row lock before moving money out of it (deposits, withdrawals, disputes, refunds
made outside Streakpot), so two movements never both spend the same balance.

Taking money out is in ``withdrawals``; the processor's answers about refunds in
``refund_updates``; ``habits.books`` has the table of what each ledger key moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.models import Member
from habits.models.payment import Withdrawal
from habits.services.errors import HabitsError


class NotEnoughInWallet(HabitsError):
    """The wallet holds less than the action needs; ``available_minor`` says how much it holds."""

    title = "Not enough in your wallet"
    code = "not_enough_in_wallet"

    @classmethod
    def for_amounts(cls, *, available: int, required: int, currency: str) -> NotEnoughInWallet:
        return cls(
            f"Your wallet holds {available} {currency} minor units; this needs {required}.",
            available_minor=available,
            required_minor=required,
            currency=currency,
        )


# -- balances -------------------------------------------------------------------------------


def wallet_account(session: Session, member_id: int, currency: str) -> ledger.Account:
    return books.open_account(session, books.wallet(member_id, currency))


def lock_wallet(session: Session, member_id: int, currency: str) -> ledger.Account:
    """The member's wallet account, locked until commit: one wallet movement at a time."""
    account = wallet_account(session, member_id, currency)
    session.flush()
    session.refresh(account, with_for_update=True)
    return account


def available_minor(session: Session, member_id: int, currency: str) -> int:
    """What the wallet holds (a liability: its ledger balance is negative when we owe)."""
    return -ledger.balance(session, wallet_account(session, member_id, currency))


def account_available(session: Session, account: ledger.Account) -> int:
    """What a liability account holds, as a positive amount."""
    return -ledger.balance(session, account)


# -- what the member sees ------------------------------------------------------------------


@dataclass(frozen=True)
class WalletEntry:
    at: datetime
    currency: str
    #: from the member's side: positive when money came into the wallet
    amount_minor: int
    memo: str
    key: str


@dataclass(frozen=True)
class WalletView:
    balances: list[dict]
    entries: list[WalletEntry]
    total: int
    page: int
    per_page: int
    withdrawals: list[Withdrawal]


def wallet_view(
    session: Session, member: Member, *, page: int = 1, per_page: int = 20, now: datetime
) -> WalletView:
    """The member's balances per currency (from the ledger) and their wallet entries, newest first."""
    wallets = list(
        session.scalars(
            select(ledger.Account)
            .where(ledger.Account.code.like(books.wallets_like(member.id)))
            .order_by(ledger.Account.currency)
        )
    )
    balances = [{"currency": a.currency, "available_minor": account_available(session, a)} for a in wallets]
    ids = [a.id for a in wallets]
    base = (
        select(ledger.LedgerTransaction, ledger.Posting.amount_minor)
        .join(ledger.Posting, ledger.Posting.transaction_id == ledger.LedgerTransaction.id)
        .where(ledger.Posting.account_id.in_(ids))
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) if ids else 0
    rows = (
        session.execute(
            base.order_by(ledger.LedgerTransaction.occurred_at.desc(), ledger.LedgerTransaction.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        if ids
        else []
    )
    entries = [WalletEntry(tx.occurred_at, tx.currency, -int(amount), tx.memo, tx.key) for tx, amount in rows]
    withdrawals = list(
        session.scalars(
            select(Withdrawal)
            .where(Withdrawal.member_id == member.id)
            .order_by(Withdrawal.id.desc())
            .limit(20)
        )
    )
    return WalletView(balances, entries, int(total or 0), page, per_page, withdrawals)
