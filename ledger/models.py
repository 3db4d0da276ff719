"""Accounts, transactions and postings: the three tables of the books."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger import ddl
from ledger.base import Base, UTCDateTime
from ledger.kinds import AccountKind

ID = BigInteger().with_variant(Integer, "sqlite")
KINDS_SQL = ", ".join(f"'{kind.value}'" for kind in AccountKind)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Account(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (CheckConstraint(f"kind IN ({KINDS_SQL})", name="kind"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    #: stable, human-readable, unique (the caller's vocabulary, e.g. "wallet:member:7:CNY")
    code: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: ISO 4217; every posting on this account is in this currency
    currency: Mapped[str] = mapped_column(String(3))
    #: the normal balance may never drop below zero (wallets, held deposits, pots)
    non_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_utcnow)

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.code}>"


class LedgerTransaction(Base):
    __tablename__ = "ledger_transactions"
    # time order with the id tie-break, for ledger verify's non-negative check
    __table_args__ = (Index("ix_ledger_transactions_occurred_at_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    #: idempotency key: one movement per key, ever (e.g. "settle:12:3:winners", "deposit:7")
    key: Mapped[str] = mapped_column(String(255), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    memo: Mapped[str] = mapped_column(Text, default="")
    #: when the movement happened in the world (balances "as of" use it)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_utcnow)

    postings: Mapped[list[Posting]] = relationship(
        back_populates="transaction", order_by="Posting.id", lazy="selectin", viewonly=True
    )

    def __repr__(self) -> str:
        return f"<LedgerTransaction {self.id} {self.key}>"


class Posting(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount_minor <> 0", name="amount_not_zero"),
        Index("ix_ledger_postings_account_transaction", "account_id", "transaction_id"),
        # covering indexes for ledger verify (index-only scans, no heap fetches)
        Index(
            "ix_ledger_postings_account_transaction_amount", "account_id", "transaction_id", "amount_minor"
        ),
        Index(
            "ix_ledger_postings_transaction_account_amount", "transaction_id", "account_id", "amount_minor"
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    #: signed minor units: debit positive, credit negative; a transaction's postings sum to zero
    amount_minor: Mapped[int] = mapped_column(BigInteger)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="postings", lazy="raise_on_sql")


def _run_on_postgres(statements):
    def run(_table, connection, **_kw):
        if connection.dialect.name == "postgresql":
            ddl.execute(connection, statements)

    return run


def _attach_postgres_guards() -> None:
    postings, transactions = Posting.__table__, LedgerTransaction.__table__
    event.listen(transactions, "before_create", _run_on_postgres(ddl.CREATE_FUNCTIONS))
    event.listen(transactions, "after_create", _run_on_postgres(ddl.TRANSACTIONS_TRIGGERS))
    event.listen(postings, "after_create", _run_on_postgres(ddl.POSTINGS_TRIGGERS))


_attach_postgres_guards()
