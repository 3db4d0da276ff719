"""Benchmark: the ledger's write paths and ``ledger verify``.

    .venv/bin/python bench/ledger_bench.py
    .venv/bin/python bench/ledger_bench.py --only verify --postings 1000000 10000000

Write paths, on SQLite (a temporary file) and PostgreSQL (a scratch database created and
dropped), each on a fresh, empty ledger (a processor cash account and 10,000 wallets):

- ``post``: N two-leg deposits (cash -> wallet) through ``post()``, one COMMIT each, as a
  webhook handler does;
- ``post_many``: N two-leg transactions in one ``post_many()`` call, one COMMIT;
- ``post_from_select``: ONE transaction of N legs (N - 1 wallets credited 1 each, cash debited),
  its legs read by ``post_from_select()`` from a scratch table filled beforehand (not timed).

``verify`` (PostgreSQL only): for each size in ``--postings``, a scratch database gets that many
postings generated in SQL (generate_series: 100,000 non-negative wallets each funded once, then
two-leg transfers between wallets, one second apart; never below zero, so verify must find
nothing). Generation runs with ``session_replication_role = replica`` (no triggers: neither the
ledger's balance triggers nor the foreign-key checks; the rows are right by construction) and
with the secondary indexes dropped and rebuilt afterwards, then ANALYZE. A fresh process then
runs ``verify_report()`` with the ledger's own checks and reports its wall time, the time of each
check and its peak resident memory (``ru_maxrss``), which must not grow with the postings.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import BigInteger, Column, MetaData, Table, create_engine, event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import ledger  # noqa: E402
from habits.database import prepare_engine  # noqa: E402
from ledger import invariants  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
WRITES = ("post", "post_many", "post_from_select")
LEDGER_TABLES = [ledger.Account.__table__, ledger.LedgerTransaction.__table__, ledger.Posting.__table__]
WALLETS = 10_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)

_scratch = MetaData()
BENCH_LEGS = Table(
    "bench_legs", _scratch, Column("account_id", BigInteger), Column("amount_minor", BigInteger)
)


# --- databases ----------------------------------------------------------------------------------


def pg_admin(server: str, statement: str) -> None:
    engine = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


class Scratch:
    """A fresh database with the ledger's tables (and triggers on PostgreSQL); dropped on exit."""

    def __init__(self, backend: str, server: str, keep: bool = False):
        self.backend, self.server, self.keep = backend, server, keep
        self.name = f"ledger_bench_{uuid.uuid4().hex[:8]}"

    def __enter__(self):
        if self.backend == "sqlite":
            self.tmp = tempfile.TemporaryDirectory()
            self.url = f"sqlite:///{self.tmp.name}/ledger.db"
        else:
            pg_admin(self.server, f'CREATE DATABASE "{self.name}"')
            self.url = make_url(self.server).set(database=self.name).render_as_string(hide_password=False)
        self.engine = create_engine(self.url)
        prepare_engine(self.engine)
        ledger.Base.metadata.create_all(self.engine, tables=LEDGER_TABLES)
        return self

    def __exit__(self, *exc):
        self.engine.dispose()
        if self.backend == "sqlite":
            self.tmp.cleanup()
        elif not self.keep:
            pg_admin(self.server, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            print(f"kept database {self.name}", file=sys.stderr)


def open_accounts(session: Session) -> tuple[int, list[int]]:
    # the ledger's own vocabulary for its benchmark (not habits' codes: this measures ledger/ alone)
    specs = [SimpleNamespace(code="bench:cash:CNY", kind="asset", currency="CNY", non_negative=False)]
    specs += [
        SimpleNamespace(code=f"bench:wallet:{i}", kind="liability", currency="CNY", non_negative=True)
        for i in range(WALLETS)
    ]
    ids = ledger.ensure_accounts(session, specs)
    session.commit()
    return ids["bench:cash:CNY"], [ids[f"bench:wallet:{i}"] for i in range(WALLETS)]


# --- write paths --------------------------------------------------------------------------------


def bench_post(engine, n: int) -> dict:
    with Session(engine) as session:
        cash, wallets = open_accounts(session)
        started = time.perf_counter()
        for i in range(n):
            amount = 100 + i % 1000
            ledger.post(
                session,
                key=f"bench:post:{i}",
                currency="CNY",
                legs=[ledger.Leg(cash, amount), ledger.Leg(wallets[i % WALLETS], -amount)],
                memo="deposit",
                occurred_at=T0,
            )
            session.commit()
        seconds = time.perf_counter() - started
    return {"transactions": n, "postings": 2 * n, "seconds": seconds}


def bench_post_many(engine, n: int) -> dict:
    with Session(engine) as session:
        cash, wallets = open_accounts(session)
        specs = [
            ledger.TransactionSpec(
                key=f"bench:post:{i}",
                currency="CNY",
                legs=[ledger.Leg(cash, 100 + i % 1000), ledger.Leg(wallets[i % WALLETS], -(100 + i % 1000))],
                memo="deposit",
                occurred_at=T0,
            )
            for i in range(n)
        ]
        started = time.perf_counter()
        assert ledger.post_many(session, specs) == n
        session.commit()
        seconds = time.perf_counter() - started
    return {"transactions": n, "postings": 2 * n, "seconds": seconds}


def bench_post_from_select(engine, n: int) -> dict:
    with Session(engine) as session:
        cash, wallets = open_accounts(session)
        BENCH_LEGS.create(session.connection())
        rows = [{"account_id": wallets[i % WALLETS], "amount_minor": -1} for i in range(n - 1)]
        rows.append({"account_id": cash, "amount_minor": n - 1})
        for start in range(0, n, 50_000):
            session.execute(insert(BENCH_LEGS), rows[start : start + 50_000])
        session.commit()
        del rows
        legs = select(BENCH_LEGS.c.account_id, BENCH_LEGS.c.amount_minor)
        started = time.perf_counter()
        transaction = ledger.post_from_select(
            session, key="bulk", currency="CNY", memo="one big movement", occurred_at=T0, legs=legs
        )
        session.commit()
        seconds = time.perf_counter() - started
        assert transaction is not None
        assert ledger.balance(session, cash) == n - 1
    return {"transactions": 1, "postings": n, "seconds": seconds}


# --- verify over generated postings -------------------------------------------------------------

GENERATE = [
    "SET session_replication_role = replica",  # no triggers, no FK checks: rows right by construction
    """
INSERT INTO ledger_accounts (id, code, kind, currency, non_negative, created_at)
SELECT 1, 'bench:cash:CNY', 'asset', 'CNY', false, now()
UNION ALL
SELECT 1 + w, 'bench:wallet:' || w, 'liability', 'CNY', true, now() FROM generate_series(1, {wallets}) w
""",
    # transactions 1..wallets fund each wallet with 1,000,000; the rest move 1..100 between wallets
    """
INSERT INTO ledger_transactions (id, key, currency, memo, occurred_at, created_at)
SELECT i, 'bench:' || i, 'CNY', '', TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * INTERVAL '1 second', now()
  FROM generate_series(1, {transactions}) i
""",
    """
INSERT INTO ledger_postings (id, transaction_id, account_id, amount_minor)
SELECT 2 * i - 1 + leg, i,
       CASE WHEN i <= {wallets} THEN (CASE WHEN leg = 0 THEN 1 ELSE 1 + i END)
            WHEN leg = 0 THEN 2 + i % {wallets}
            ELSE 2 + (i % {wallets} + 1 + (i * 7919) % ({wallets} - 1)) % {wallets} END,
       CASE WHEN i <= {wallets} THEN (CASE WHEN leg = 0 THEN 1000000 ELSE -1000000 END)
            ELSE (CASE WHEN leg = 0 THEN 1 ELSE -1 END) * (1 + i % 100) END
  FROM generate_series(1::bigint, {transactions}) i CROSS JOIN (VALUES (0), (1)) AS legs(leg)
""",
    "SELECT setval(pg_get_serial_sequence('ledger_accounts', 'id'), {wallets} + 1)",
    "SELECT setval(pg_get_serial_sequence('ledger_transactions', 'id'), {transactions})",
    "SELECT setval(pg_get_serial_sequence('ledger_postings', 'id'), 2 * {transactions})",
    "SET session_replication_role = DEFAULT",
]


def generate(url: str, postings: int, wallets: int) -> float:
    transactions = postings // 2
    wallets = min(wallets, transactions // 2)
    engine = create_engine(url)
    started = time.perf_counter()
    indexes = [index for table in LEDGER_TABLES for index in table.indexes]
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        for index in indexes:  # rebuilt after the load: faster than growing them row by row
            conn.execute(text(f'DROP INDEX "{index.name}"'))
        for statement in GENERATE:
            conn.execute(text(statement.format(wallets=wallets, transactions=transactions)))
        for index in indexes:
            index.create(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE ledger_accounts, ledger_transactions, ledger_postings"))
    engine.dispose()
    return time.perf_counter() - started


def verify_child(url: str, settings: list[str], explain: bool) -> None:
    """Run in a fresh process: verify_report with the ledger's own checks; JSON on stdout.

    ``settings`` ("work_mem=256MB", "jit=off") are SET for the session first, as a caller of
    verify could do; ``explain`` prints each check's EXPLAIN (ANALYZE, BUFFERS) to stderr after.
    """
    timings: dict[str, float] = {}

    def timed(check):
        def run(session):
            started = time.perf_counter()
            try:
                return check(session)
            finally:
                timings[check.__name__] = time.perf_counter() - started

        return run

    invariants.LEDGER_CHECKS[:] = [timed(check) for check in invariants.LEDGER_CHECKS]
    engine = create_engine(url)
    with Session(engine) as session:
        for setting in settings:
            name, value = setting.split("=", 1)
            session.execute(text("SELECT set_config(:name, :value, false)"), {"name": name, "value": value})
        started = time.perf_counter()
        report = invariants.verify_report(session)
        seconds = time.perf_counter() - started
        if explain:
            explain_checks(session)
        session.rollback()
    engine.dispose()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "checks": timings,
                "postings": report.postings,
                "violations": len(report.violations),
                "summary": report.summary(),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def explain_checks(session: Session) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement each ledger check runs, to stderr."""
    statements: list[tuple[str, object]] = []
    connection = session.connection()

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    for check in invariants.LEDGER_CHECKS:
        statements.clear()
        event.listen(connection, "before_cursor_execute", capture)
        try:
            check(session)
        finally:
            event.remove(connection, "before_cursor_execute", capture)
        for statement, parameters in statements:
            plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
            print(f"== {check.__name__}\n" + "\n".join(row[0] for row in plan), file=sys.stderr)


def bench_verify(server: str, postings: int, wallets: int, keep: bool, settings, explain) -> dict:
    with Scratch("postgresql", server, keep=keep) as scratch:
        generated = generate(scratch.url, postings, wallets)
        scratch.engine.dispose()
        command = [sys.executable, __file__, "--verify-child", scratch.url]
        command += [f"--set={setting}" for setting in settings] + (["--explain"] if explain else [])
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        if explain:
            sys.stderr.write(out.stderr)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        with scratch.engine.connect() as conn:
            result["database_mb"] = conn.scalar(text("SELECT pg_database_size(current_database())")) / 2**20
    result["generated_s"] = generated
    return result


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=SERVER, help="PostgreSQL server (scratch databases go there)"
    )
    parser.add_argument("--only", nargs="+", choices=[*WRITES, "verify"], default=[*WRITES, "verify"])
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--post", type=int, default=2_000, help="transactions through post()")
    parser.add_argument("--post-many", type=int, default=20_000, help="transactions in one post_many()")
    parser.add_argument("--select-legs", type=int, default=1_000_000, help="legs of one post_from_select()")
    parser.add_argument("--postings", type=int, nargs="+", default=[1_000_000, 10_000_000], help="for verify")
    parser.add_argument("--wallets", type=int, default=100_000, help="non-negative accounts for verify")
    parser.add_argument("--keep", action="store_true", help="keep the verify databases (to EXPLAIN)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="a setting for verify's session, e.g. --set work_mem=256MB --set jit=off",
    )  # fmt: skip
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each check (stderr)")
    parser.add_argument("--verify-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.verify_child:
        verify_child(args.verify_child, args.set, args.explain)
        return

    if "verify" in args.only:
        # first, while this process is small: a child's ru_maxrss also counts the parent's size at
        # the fork (Linux keeps the high-water mark across exec), and the write runs grow it
        settings = " ".join(args.set) or "server defaults"
        head = ("verify", "postings", "seconds", "peak RSS MB", "generated s", "checks (s)")
        print("{:<18} {:>11} {:>8} {:>11} {:>11}  {}".format(*head))
        print(f"(session settings: {settings})")
        for postings in args.postings:
            r = bench_verify(args.database_url, postings, args.wallets, args.keep, args.set, args.explain)
            checks = ", ".join(f"{name.removeprefix('check_')} {s:.2f}" for name, s in r["checks"].items())
            print(
                f"{'postgresql':<18} {r['postings']:>11,} {r['seconds']:>8.2f} {r['peak_rss_mb']:>11.1f} "
                f"{r['generated_s']:>11.1f}  {checks}; {r['violations']} violations, "
                f"database {r['database_mb']:,.0f} MB",
                flush=True,
            )
        print()
    writes = [w for w in WRITES if w in args.only]
    sizes = {"post": args.post, "post_many": args.post_many, "post_from_select": args.select_legs}
    runners = {"post": bench_post, "post_many": bench_post_many, "post_from_select": bench_post_from_select}
    if writes:
        head = ("what", "backend", "transactions", "postings", "seconds", "postings/s")
        print("{:<18} {:<11} {:>12} {:>11} {:>8} {:>11}".format(*head))
    for what in writes:
        for backend in args.backends:
            with Scratch(backend, args.database_url) as scratch:
                r = runners[what](scratch.engine, sizes[what])
            rate = r["postings"] / r["seconds"]
            print(
                f"{what:<18} {backend:<11} {r['transactions']:>12,} {r['postings']:>11,} "
                f"{r['seconds']:>8.2f} {rate:>11,.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
