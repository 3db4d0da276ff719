"""A small chart of accounts (SPEC "The ledger") and helpers for counting what was written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

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
    """The chart's accounts, opened set-based (ensure_accounts) and read back as objects."""
    specs = {
        "cash": ("processor_cash:CNY", "asset", "CNY", False),
        "held_a": ("held:enrollment:1", "liability", "CNY", True),
        "held_b": ("held:enrollment:2", "liability", "CNY", True),
        "wallet_a": ("wallet:member:1:CNY", "liability", "CNY", True),
        "wallet_b": ("wallet:member:2:CNY", "liability", "CNY", True),
        "pot": ("pot:challenge:1", "liability", "CNY", True),
        "fee": ("fee_revenue:CNY", "revenue", "CNY", False),
        "refunds": ("refunds_pending:member:1", "liability", "CNY", False),
        "wallet_usd": ("wallet:member:1:USD", "liability", "USD", True),
    }
    ids = ledger.ensure_accounts(
        session,
        [
            SimpleNamespace(code=prefix + code, kind=kind, currency=currency, non_negative=non_negative)
            for code, kind, currency, non_negative in specs.values()
        ],
    )
    by_id = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids.values())))}
    return Chart(**{name: by_id[ids[prefix + spec[0]]] for name, spec in specs.items()})


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
