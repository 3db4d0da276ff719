"""The books prove themselves: each check recomputes from the postings and returns violations.

In the manner of beancount's validation: a check is a function ``(session) -> list[Violation]``;
``verify`` runs the ledger's own checks plus any the application adds (``extra_checks``). Every
check aggregates in SQL and streams its (few) violation rows, so memory stays flat however many
postings there are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger.kinds import AccountKind
from ledger.models import Account, LedgerTransaction, Posting

#: at most this many violations are listed per check (the count says how many there were)
REPORT_LIMIT = 100


@dataclass(frozen=True)
class Violation:
    check: str
    message: str
    ref: str | None = None


Check = Callable[[Session], Iterable[Violation]]


@dataclass
class VerifyReport:
    violations: list[Violation] = field(default_factory=list)
    transactions: int = 0
    postings: int = 0
    accounts: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        return (
            f"ledger verify: {self.transactions} transactions, {self.postings} postings, "
            f"{self.accounts} accounts, {len(self.violations)} violations"
        )


def check_transactions_balance(session: Session) -> list[Violation]:
    """Every transaction's postings sum to zero, and every transaction has postings."""
    rows = session.execute(
        select(LedgerTransaction.id, LedgerTransaction.key, func.coalesce(func.sum(Posting.amount_minor), 0))
        .outerjoin(Posting, Posting.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id, LedgerTransaction.key)
        .having((func.coalesce(func.sum(Posting.amount_minor), 0) != 0) | (func.count(Posting.id) == 0))
        .limit(REPORT_LIMIT)
    )
    return [
        Violation("transaction-balances", f"transaction {tid} ({key}) sums to {total}", key)
        for tid, key, total in rows
    ]


def check_one_currency(session: Session) -> list[Violation]:
    """Every posting's account is in its transaction's currency."""
    rows = session.execute(
        select(Posting.id, LedgerTransaction.key, Account.code, Account.currency, LedgerTransaction.currency)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .join(Account, Account.id == Posting.account_id)
        .where(Account.currency != LedgerTransaction.currency)
        .limit(REPORT_LIMIT)
    )
    return [
        Violation(
            "one-currency", f"posting {pid} of {key} is on {code} ({acc_ccy}) in a {tx_ccy} transaction", key
        )
        for pid, key, code, acc_ccy, tx_ccy in rows
    ]


def check_zero_sum_per_currency(session: Session) -> list[Violation]:
    """The balances of all accounts sum to zero, per currency."""
    rows = session.execute(
        select(Account.currency, func.sum(Posting.amount_minor))
        .join(Posting, Posting.account_id == Account.id)
        .group_by(Account.currency)
        .having(func.sum(Posting.amount_minor) != 0)
    )
    return [Violation("zero-sum", f"all {ccy} accounts sum to {total}, not 0", ccy) for ccy, total in rows]


def check_non_negative_accounts(session: Session) -> list[Violation]:
    """Accounts that may not go negative never did, at any point in time.

    A running balance per account in time order (occurred_at, then transaction id), computed by
    a window function in the database; only the lowest point per account comes back. A
    transaction is one step: its legs on one account are peers of the window's default RANGE
    frame, so money that passes through an account within a transaction is not a dip.
    """
    sign = case((Account.kind.in_([AccountKind.ASSET.value, AccountKind.EXPENSE.value]), 1), else_=-1)
    running = (
        select(
            Posting.account_id.label("account_id"),
            func.sum(Posting.amount_minor * sign)
            .over(
                partition_by=Posting.account_id,
                order_by=(LedgerTransaction.occurred_at, LedgerTransaction.id),
            )
            .label("running"),
        )
        .join(Account, Account.id == Posting.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
        .where(Account.non_negative.is_(True))
        .subquery()
    )
    lowest = (
        select(running.c.account_id, func.min(running.c.running).label("lowest"))
        .group_by(running.c.account_id)
        .having(func.min(running.c.running) < 0)
        .subquery()
    )
    rows = session.execute(
        select(Account.code, lowest.c.lowest)
        .join(lowest, lowest.c.account_id == Account.id)
        .limit(REPORT_LIMIT)
    )
    return [Violation("non-negative", f"account {code} went down to {low}", code) for code, low in rows]


LEDGER_CHECKS: list[Check] = [
    check_transactions_balance,
    check_one_currency,
    check_zero_sum_per_currency,
    check_non_negative_accounts,
]


def verify(session: Session, extra_checks: Iterable[Check] = ()) -> list[Violation]:
    """Run every ledger check and the application's ``extra_checks``: the violations found."""
    return verify_report(session, extra_checks).violations


def verify_report(session: Session, extra_checks: Iterable[Check] = ()) -> VerifyReport:
    """``verify`` plus the counts of what was checked (for the one-line summary)."""
    report = VerifyReport(
        transactions=session.scalar(select(func.count()).select_from(LedgerTransaction)) or 0,
        postings=session.scalar(select(func.count()).select_from(Posting)) or 0,
        accounts=session.scalar(select(func.count()).select_from(Account)) or 0,
    )
    for check in [*LEDGER_CHECKS, *extra_checks]:
        report.violations.extend(check(session))
    return report
