"""Benchmark: what telling the members adds to settling a day (bench/settle_day.py's data set).

    .venv/bin/python bench/settle_notices.py --size 100000 --rounds 5

PostgreSQL only. It builds bench/settle_day.py's template once (one running challenge, N active
funded enrollments, 70 % checked in, day 0 opened), then settles day 0 on a fresh copy of it in a
fresh process, ``--rounds`` times each way, alternating (without, with, with, without, ...):

- ``with``: the sweep as the scheduler runs it, the members' notices included (one notification
  per enrollment, written set-based from the day's outcomes in the day's own transaction);
- ``without``: the same sweep with the notices step left out (``notices.tell_members`` replaced
  by a no-op in that process); or, with ``--before-tree DIR`` (the starting commit checked out
  there, docs/benchmarks.md's method), that tree's own ``bench/settle_day.py --run ours``: the
  settlement exactly as it was before the notices.

The best run of each counts (the method of docs/benchmarks.md's settlement section: the machine is
shared, and a neighbour's burst should not decide the ratio); medians are printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import settle_day  # noqa: E402


def run(server: str, database: str, notices: bool) -> dict:
    import habits.models  # noqa: F401
    from habits.models import Notification
    from habits.services.settlement import day, settle_due_days

    if not notices:
        day.notices.tell_members = lambda *args, **kwargs: None
    engine = settle_day.engine_for(server, database)
    with Session(engine) as session:
        session.execute(text("SELECT 1"))  # connect outside the clock
        now = settle_day.due_of_day_zero()
        started = time.perf_counter()
        result = settle_due_days(session, now=now, commit=session.commit)
        seconds = time.perf_counter() - started
        assert len(result.settled) == 1 and not result.failed, result
        told = session.scalar(select(func.count()).select_from(Notification))
    engine.dispose()
    return {"seconds": seconds, "notifications": told}


def measure(server: str, database: str, which: str, before_tree: Path | None = None) -> dict:
    if which == "without" and before_tree is not None:
        command = [str(before_tree / "bench" / "settle_day.py"), "--run", "ours"]
        cwd = before_tree
    else:
        command, cwd = [__file__, "--run", which], ROOT
    out = subprocess.run(
        [sys.executable, *command, "--server", server, "--database", database],
        check=True, capture_output=True, text=True, cwd=cwd,
    )  # fmt: skip
    return {"notifications": 0} | json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the template afterwards")
    parser.add_argument(
        "--before-tree", type=Path, help="the starting commit's tree: its settlement is 'without'"
    )
    parser.add_argument("--run", choices=["with", "without"], help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run(args.server, args.database, args.run == "with")))
        return

    print(f"settle one day with and without the members' notices, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    template = f"bench_notices_{args.size}"
    settle_day.build_template(args.server, template, args.size)
    runs: dict[str, list[dict]] = {"without": [], "with": []}
    order = ["without", "with"]
    try:
        for index in range(args.rounds):
            for which in order if index % 2 == 0 else order[::-1]:
                copy = f"{template}_{which}"
                settle_day.admin(
                    args.server,
                    f'DROP DATABASE IF EXISTS "{copy}"',
                    f'CREATE DATABASE "{copy}" TEMPLATE "{template}"',
                )
                run_ = measure(args.server, copy, which, args.before_tree) | {"load": os.getloadavg()[0]}
                runs[which].append(run_)
                print(
                    f"  {which:>7}: {run_['seconds']:6.2f} s, {run_['notifications']:,} notifications"
                    f" (load {run_['load']:.1f})",
                    flush=True,
                )
    finally:
        names = [f"{template}_{which}" for which in runs] + ([] if args.keep else [template])
        settle_day.admin(args.server, *(f'DROP DATABASE IF EXISTS "{name}"' for name in names))
    best = {which: min(run_["seconds"] for run_ in found) for which, found in runs.items()}
    median = {which: statistics.median(run_["seconds"] for run_ in found) for which, found in runs.items()}
    print(
        f"n={args.size:,}: without {best['without']:.2f} s, with {best['with']:.2f} s"
        f" (best of {args.rounds}),"
        f" +{(best['with'] / best['without'] - 1) * 100:.0f} %; medians {median['without']:.2f} s /"
        f" {median['with']:.2f} s, +{(median['with'] / median['without'] - 1) * 100:.0f} %"
    )


if __name__ == "__main__":
    main()
