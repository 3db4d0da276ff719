"""Benchmark: settle one day of one challenge with N active enrollments, 70 % checked in.

    .venv/bin/python bench/settle_day.py --sizes 10000 100000 1000000

PostgreSQL only (``--server``, default ``postgresql+psycopg://postgres@127.0.0.1:5432``). For each
size it builds a template database once (members, accounts, enrollments, their deposits in the
ledger, the check-ins; day 0 already opened), then copies it twice (``CREATE DATABASE ...
TEMPLATE``) and, in two fresh processes, settles day 0 on each copy:

- ``ours``: the real sweep, ``settle_due_days`` (one unit: the day), committed;
- ``ceiling``: hand-written set-based SQL that writes the same rows (the same ledger
  transactions and postings, the same enrollment updates, the same day_settlements row) with
  nothing else: no ledger checks, no ORM, no generic code.

Each process reports its wall time and its peak resident memory (``VmHWM``); the two copies
are then compared row for row (aggregates of what was written) so the ceiling is a fair one.
Results go to stdout as a table; docs/benchmarks.md keeps the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import settle_ceiling  # noqa: E402

DEPOSIT = 7000
DAYS = 7
CURRENCY = "CNY"
TZ = "Asia/Shanghai"
START = date(2026, 3, 2)


def engine_for(server: str, database: str, **kwargs):
    return create_engine(make_url(server).set(database=database), **kwargs)


def admin(server: str, *statements: str) -> None:
    engine = engine_for(server, "postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def due_of_day_zero():
    from habits.domain.calendar import Schedule, due_at

    return due_at(Schedule(TZ, START, DAYS, 5 * 60, 7 * 60), 0, 10)


# --- the data set --------------------------------------------------------------------------------


def build_template(server: str, name: str, n: int) -> None:
    """A database with one running challenge of n active, funded enrollments, 70 % checked in."""
    import habits.models  # noqa: F401  (every table on the metadata)
    from habits.extensions import db
    from habits.services.settlement import settle_due_days

    admin(server, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    engine = engine_for(server, name)
    db.metadata.create_all(engine)
    started = time.perf_counter()
    with Session(engine) as session:
        challenge_id = settle_ceiling.load(session, n=n, deposit=DEPOSIT, days=DAYS, currency=CURRENCY, tz=TZ,
                                           start=START)  # fmt: skip
        opened = settle_due_days(
            session, now=due_of_day_zero() - timedelta(hours=2), commit=session.commit
        )  # day 0 opens: enrollment closes (untimed)
        assert opened.opened == [challenge_id], opened
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"  template {name}: {n:,} enrollments loaded in {time.perf_counter() - started:.1f} s", flush=True)


# --- one measured run (its own process) ----------------------------------------------------------


def run(server: str, database: str, which: str) -> dict:
    import habits.models  # noqa: F401
    from habits.services.settlement import settle_due_days

    engine = engine_for(server, database)
    with Session(engine) as session:
        session.execute(text("SELECT 1"))  # connect outside the clock
        now = due_of_day_zero()
        started = time.perf_counter()
        if which == "ours":
            result = settle_due_days(session, now=now, commit=session.commit)
            assert len(result.settled) == 1 and not result.failed, result
        else:
            settle_ceiling.settle(session, now=now)
            session.commit()
        seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "peak_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident memory. Not ``ru_maxrss``: Linux carries the parent's peak
    across fork and exec into it, and the parent built a million-row data set."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(server: str, database: str, which: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--server", server, "--run", which, "--database", database],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, alternating; the best counts")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--run", choices=["ours", "ceiling"], help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run(args.server, args.database, args.run)))
        return

    print(
        f"settle one day, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; 70 % checked in, 30 % miss (max_misses 2)"
    )
    rows = []
    for n in args.sizes:
        template = f"bench_settle_{n}"
        build_template(args.server, template, n)
        # Alternate the two, --repeat times each, and keep each one's best run: the machine is
        # shared, and a neighbour's burst should not decide the ratio.
        runs: dict[str, list[dict]] = {"ceiling": [], "ours": []}
        for _ in range(args.repeat):
            for which in ("ceiling", "ours"):
                copy = f"{template}_{which}"
                admin(
                    args.server,
                    f'DROP DATABASE IF EXISTS "{copy}"',
                    f'CREATE DATABASE "{copy}" TEMPLATE "{template}"',
                )
                load = os.getloadavg()[0]
                runs[which].append(measure(args.server, copy, which) | {"load": load})
        results = {which: min(found, key=lambda run: run["seconds"]) for which, found in runs.items()}
        for which, found in runs.items():
            times = ", ".join(f"{run['seconds']:.2f} s (load {run['load']:.1f})" for run in found)
            print(f"    {which}: {times}", flush=True)
        same = settle_ceiling.compare(
            engine_for(args.server, f"{template}_ours"), engine_for(args.server, f"{template}_ceiling")
        )
        ratio = results["ours"]["seconds"] / results["ceiling"]["seconds"]
        rows.append((n, results, ratio, same))
        ours, ceiling = results["ours"], results["ceiling"]
        print(
            f"  n={n:>9,}  ours {ours['seconds']:7.2f} s (peak {ours['peak_mb']:5.0f} MB)"
            f"  ceiling {ceiling['seconds']:7.2f} s (peak {ceiling['peak_mb']:5.0f} MB)"
            f"  ratio {ratio:4.2f}  same rows: {same}",
            flush=True,
        )
        if not args.keep:
            admin(
                args.server,
                *(f'DROP DATABASE IF EXISTS "{template}{suffix}"' for suffix in ("", "_ours", "_ceiling")),
            )
    print()
    print("| enrollments | ours (s) | ours peak RSS (MB) | ceiling (s) | ours / ceiling | same rows |")
    print("|---:|---:|---:|---:|---:|:---:|")
    for n, results, ratio, same in rows:
        print(
            f"| {n:,} | {results['ours']['seconds']:.2f} | {results['ours']['peak_mb']:.0f} | "
            f"{results['ceiling']['seconds']:.2f} | {ratio:.2f} | {'yes' if same else 'NO'} |"
        )


if __name__ == "__main__":
    main()
