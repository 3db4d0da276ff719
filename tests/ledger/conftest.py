"""A small chart of accounts (SPEC "The ledger") and helpers for counting what was written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from ledger import Account, LedgerTransaction, Posting

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    """An instant ``hours`` after T0 (the worked examples read as a day of hours)."""
    return T0 + timedelta(hours=hours)


def counts(session: Session) -> tuple[int, int]:
    """(transactions, postings) in the books: a refusal must leave both unchanged."""
    return (
        session.scalar(select(func.count()).select_from(LedgerTransaction)),
        session.scalar(select(func.count()).select_from(Posting)),
    )


@dataclass
class Chart:
    """Processor cash, two members' wallets and held deposits, a pot, fee revenue, refunds pending
    (all CNY), and a USD wallet for the mixed-currency refusals."""

    cash: Account
    held_a: Account
    held_b: Account
    wallet_a: Account
    wallet_b: Account
    pot: Account
    fee: Account
    refunds: Account
    wallet_usd: Account

    def all(self) -> list[Account]:
        return list(vars(self).values())


def open_chart(session: Session, prefix: str = "") -> Chart:
    def account(code, kind, currency="CNY", non_negative=False):
        return ledger.get_or_create_account(
            session, code=f"{prefix}{code}", kind=kind, currency=currency, non_negative=non_negative
        )

    return Chart(
        cash=account("processor_cash:CNY", "asset"),
        held_a=account("held:enrollment:1", "liability", non_negative=True),
        held_b=account("held:enrollment:2", "liability", non_negative=True),
        wallet_a=account("wallet:member:1:CNY", "liability", non_negative=True),
        wallet_b=account("wallet:member:2:CNY", "liability", non_negative=True),
        pot=account("pot:challenge:1", "liability", non_negative=True),
        fee=account("fee_revenue:CNY", "revenue"),
        refunds=account("refunds_pending:member:1", "liability"),
        wallet_usd=account("wallet:member:1:USD", "liability", currency="USD", non_negative=True),
    )


@pytest.fixture
def chart(session) -> Chart:
    return open_chart(session)


def deposit(session: Session, chart: Chart, held: Account, amount: int, hours: float, key: str):
    """A card deposit: processor cash up, the held deposit (what we owe) up."""
    return ledger.post(
        session,
        key=key,
        currency="CNY",
        legs=[ledger.Leg(chart.cash, amount), ledger.Leg(held, -amount)],
        memo="deposit",
        occurred_at=at(hours),
    )
