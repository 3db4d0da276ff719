"""The books prove themselves: each check recomputes from the postings and returns violations.

In the manner of beancount's validation: a check is a function ``(session) -> list[Violation]``;
``verify`` runs the ledger's own checks plus any the application adds (``extra_checks``). Every
check aggregates in SQL and streams its (few) violation rows, so memory stays flat however many
postings there are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from ledger.kinds import normal_sign_sql_text
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
    """Every transaction's postings sum to zero, and every transaction has postings.

    Two statements that read indexes only: the sums per transaction (over the covering
    ``(transaction_id, account_id, amount_minor)`` index) and the transactions without postings
    (an anti join of two indexes); the keys are read for the (at most REPORT_LIMIT) violators only.
    """
    unbalanced = session.execute(
        text(
            "SELECT transaction_id, SUM(amount_minor) FROM ledger_postings GROUP BY transaction_id"
            " HAVING SUM(amount_minor) <> 0 ORDER BY transaction_id LIMIT :limit"
        ),
        {"limit": REPORT_LIMIT},
    ).all()
    empty = session.execute(
        text(
            "SELECT t.id, 0 FROM ledger_transactions t WHERE NOT EXISTS"
            " (SELECT 1 FROM ledger_postings p WHERE p.transaction_id = t.id) ORDER BY t.id LIMIT :limit"
        ),
        {"limit": REPORT_LIMIT},
    ).all()
    found = sorted([*unbalanced, *empty])[:REPORT_LIMIT]
    if not found:
        return []
    keys = dict(
        session.execute(
            select(LedgerTransaction.id, LedgerTransaction.key).where(
                LedgerTransaction.id.in_([tid for tid, _ in found])
            )
        ).all()
    )
    return [
        Violation("transaction-balances", f"transaction {tid} ({keys[tid]}) sums to {total}", keys[tid])
        for tid, total in found
    ]


_WRONG_CURRENCY = """
SELECT p.id, t.key, a.code, a.currency, t.currency
  FROM {tables}
 WHERE {where}
 LIMIT :limit
"""


def check_one_currency(session: Session) -> list[Violation]:
    """Every posting's account is in its transaction's currency.

    Not a join of every posting with its transaction: with D the currency most accounts are in,
    a posting in the wrong currency is either on a non-D account (reached from those accounts by
    index) in a transaction of another currency, or on a D account in a non-D transaction
    (reached from one scan of the transactions). The two sets are disjoint and together exactly
    the postings whose account currency differs from their transaction's.
    """
    dominant = session.execute(
        text(
            "SELECT currency FROM ledger_accounts GROUP BY currency ORDER BY COUNT(*) DESC, currency LIMIT 1"
        )
    ).scalar()
    if dominant is None:
        return []
    rows = session.execute(
        text(
            _WRONG_CURRENCY.format(
                tables="ledger_accounts a JOIN ledger_postings p ON p.account_id = a.id"
                " JOIN ledger_transactions t ON t.id = p.transaction_id",
                where="a.currency <> :dominant AND t.currency <> a.currency",
            )
        ),
        {"dominant": dominant, "limit": REPORT_LIMIT},
    ).all()
    if len(rows) < REPORT_LIMIT:
        rows += session.execute(
            text(
                _WRONG_CURRENCY.format(
                    tables="ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id"
                    " JOIN ledger_accounts a ON a.id = p.account_id",
                    where="t.currency <> :dominant AND a.currency = :dominant",
                )
            ),
            {"dominant": dominant, "limit": REPORT_LIMIT - len(rows)},
        ).all()
    return [
        Violation(
            "one-currency", f"posting {pid} of {key} is on {code} ({acc_ccy}) in a {tx_ccy} transaction", key
        )
        for pid, key, code, acc_ccy, tx_ccy in rows
    ]


def check_zero_sum_per_currency(session: Session) -> list[Violation]:
    """The balances of all accounts sum to zero, per currency.

    Summed per account first (over the covering ``(account_id, transaction_id, amount_minor)``
    index, no join), then the (few) account totals per currency.
    """
    with _planner(session, enable_hashagg="off"):  # a sorted index-only scan, not a hash of 10M rows
        rows = session.execute(
            text(
                "SELECT a.currency, SUM(s.total) FROM"
                " (SELECT account_id, SUM(amount_minor) AS total FROM ledger_postings GROUP BY account_id) s"
                " JOIN ledger_accounts a ON a.id = s.account_id"
                " GROUP BY a.currency HAVING SUM(s.total) <> 0"
            )
        ).all()
    return [Violation("zero-sum", f"all {ccy} accounts sum to {total}, not 0", ccy) for ccy, total in rows]


_NORMAL_SIGN = normal_sign_sql_text("a.kind")

_PER_ACCOUNT_OUTFLOWS = f"""
per_account AS (
    SELECT account_id,
           MIN(CASE WHEN amount_minor < 0 THEN transaction_id END) AS first_debit_out,
           MIN(CASE WHEN amount_minor > 0 THEN transaction_id END) AS first_credit_out,
           SUM(CASE WHEN amount_minor < 0 THEN -amount_minor ELSE 0 END) AS debits_out,
           SUM(CASE WHEN amount_minor > 0 THEN amount_minor ELSE 0 END) AS credits_out
      FROM ledger_postings
     GROUP BY account_id
),
outflows AS (
    SELECT a.id AS account_id, {_NORMAL_SIGN} AS sign,
           CASE WHEN {_NORMAL_SIGN} = 1 THEN s.first_debit_out ELSE s.first_credit_out END AS first_out,
           CASE WHEN {_NORMAL_SIGN} = 1 THEN s.debits_out ELSE s.credits_out END AS total_out
      FROM ledger_accounts a JOIN per_account s ON s.account_id = a.id
     WHERE a.non_negative = :yes
)"""

_BACK_DATED = """
back_dated AS (
    SELECT id, lo FROM (
        SELECT id, MIN(id) OVER (ORDER BY occurred_at DESC, id DESC ROWS UNBOUNDED PRECEDING) AS lo
          FROM ledger_transactions
    ) w
     WHERE lo < id
)"""

_REORDERED = """
reordered AS (
    SELECT p1.account_id
      FROM back_dated b
      JOIN ledger_postings p1 ON p1.transaction_id = b.id
     WHERE EXISTS (SELECT 1 FROM ledger_postings p2
                    WHERE p2.account_id = p1.account_id
                      AND p2.transaction_id >= b.lo AND p2.transaction_id < b.id)
)"""

_SUSPECTS = """
suspects AS (
    SELECT o.account_id FROM outflows o
     WHERE o.first_out IS NOT NULL
       AND ({reordered}
            o.total_out > (SELECT COALESCE(SUM(p.amount_minor), 0) * o.sign
                             FROM ledger_postings p
                            WHERE p.account_id = o.account_id AND p.transaction_id < o.first_out))
)"""

_LOWEST = f"""
SELECT a.code, l.lowest FROM (
    SELECT account_id, MIN(running) AS lowest FROM (
        SELECT p.account_id,
               SUM(p.amount_minor * {_NORMAL_SIGN})
                   OVER (PARTITION BY p.account_id ORDER BY t.occurred_at, t.id) AS running
          FROM ledger_postings p
          JOIN ledger_accounts a ON a.id = p.account_id
          JOIN ledger_transactions t ON t.id = p.transaction_id
         WHERE p.account_id IN {{accounts}}
    ) r
     GROUP BY account_id HAVING MIN(running) < 0
) l JOIN ledger_accounts a ON a.id = l.account_id
 LIMIT :limit
"""

#: up to this many suspect accounts are passed by id to the exact window (else it reruns the query)
SUSPECTS_BY_ID = 500


def check_non_negative_accounts(session: Session) -> list[Violation]:
    """Accounts that may not go negative never did, at any point in time.

    The definition: a running balance per account in time order (occurred_at, then transaction
    id), a transaction being one step (its legs on one account are peers of the window's RANGE
    frame, so money that passes through an account within a transaction is not a dip); an account
    is reported with its lowest running balance if that is below zero.

    That window over every posting is the slow part, so it runs only for *suspect* accounts; an
    account is cleared without it only when it provably cannot dip:

    - it has no outflow leg (a leg against its normal balance): every step adds;
    - or its transaction-id order is its time order, and the inflows before its first outflow
      (in transaction-id order) cover all its outflow legs together. Every prefix that contains
      an outflow contains all of those inflows and at most all outflows, so is >= 0; a prefix
      without outflows is >= 0. (Summing outflow legs, not steps, only overstates outflows.)

    An account's id order is its time order unless it has a posting in a back-dated transaction
    b (an earlier id is dated after it) and another in a transaction with id in [lo(b), id(b)),
    lo(b) the lowest id ordered after b in time: those accounts are suspects whatever their
    amounts. The per-account figures come from one pass over the covering
    ``(account_id, transaction_id, amount_minor)`` index (no join, no sort); the inflows before
    the first outflow are an index range per account; the back-dated transactions one pass over
    ``(occurred_at, id)``.
    """
    params = {"yes": True, "limit": REPORT_LIMIT}
    ctes = [_PER_ACCOUNT_OUTFLOWS]
    reordered = ""
    if session.execute(text(f"WITH {_BACK_DATED} SELECT 1 FROM back_dated LIMIT 1")).first() is not None:
        ctes += [_BACK_DATED, _REORDERED]
        reordered = "o.account_id IN (SELECT account_id FROM reordered) OR"
    ctes.append(_SUSPECTS.format(reordered=reordered))
    with_suspects = "WITH " + ",".join(ctes)
    with _planner(session, enable_hashagg="off"):  # sorted index-only scans, not hashes of 10M rows
        suspects = (
            session.execute(
                text(f"{with_suspects} SELECT account_id FROM suspects LIMIT :n"),
                {**params, "n": SUSPECTS_BY_ID + 1},
            )
            .scalars()
            .all()
        )
    if not suspects:
        return []
    if len(suspects) <= SUSPECTS_BY_ID:
        statement = text(_LOWEST.format(accounts=":accounts")).bindparams(
            bindparam("accounts", expanding=True)
        )
        rows = session.execute(statement, {"accounts": suspects, "limit": REPORT_LIMIT})
    else:
        rows = session.execute(
            text(with_suspects + _LOWEST.format(accounts="(SELECT account_id FROM suspects)")), params
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
    restore = _tune_for_verify(session)
    try:
        for check in [*LEDGER_CHECKS, *extra_checks]:
            report.violations.extend(check(session))
    finally:
        restore()
    return report


#: for the few large statements of the checks, on PostgreSQL: sorts and hashes in memory, and no
#: JIT compilation (it never pays back for a handful of statements)
_VERIFY_SETTINGS = {"work_mem": "256MB", "jit": "off"}


@contextmanager
def _planner(session: Session, **settings: str) -> Iterator[None]:
    """Planner settings for one statement (PostgreSQL only; SET LOCAL, put back after)."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    previous = {
        name: session.execute(text("SELECT current_setting(:name)"), {"name": name}).scalar_one()
        for name in settings
    }
    _set_local(session, settings)
    try:
        yield
    finally:
        _set_local(session, previous)


def _set_local(session: Session, settings: dict[str, str]) -> None:
    for name, value in settings.items():
        session.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})


def _tune_for_verify(session: Session) -> Callable[[], None]:
    """SET LOCAL the verify settings on PostgreSQL; returns what puts the previous values back."""
    if session.get_bind().dialect.name != "postgresql":
        return lambda: None
    previous = {
        name: session.execute(text("SELECT current_setting(:name)"), {"name": name}).scalar_one()
        for name in _VERIFY_SETTINGS
    }
    _set_local(session, _VERIFY_SETTINGS)
    return lambda: _set_local(session, previous)
