"""Benchmark: what awarding badges adds to settling a day (bench/settle_day.py's data set).

    .venv/bin/python bench/settle_badges.py --size 100000 --rounds 5 --before-tree /work/wt-before --day 0
    .venv/bin/python bench/settle_badges.py --size 100000 --rounds 5 --before-tree /work/wt-before --day 6

PostgreSQL only. It builds bench/settle_day.py's template (one running challenge of 7 days, N active
funded enrollments, 70 % checked in on day 0, day 0 opened); for ``--day k`` > 0 the same 70 %
check in on every day up to k (the others are eliminated on day 2), and days 0 .. k-1 are settled
with this tree's sweep (badges and all), so day k's runs read k+1 days of history. Day 6 is the
last day: every checker earns the 7-day streak and the perfect challenge that day, with their
notices (the worst day for badges). Then day k is settled on a fresh copy of the template in a
fresh process, ``--rounds`` times each way, alternating (before, after, after, before, ...):

- ``after``: this tree's sweep (badges and their notices included);
- ``before``: ``--before-tree DIR``'s sweep (the starting commit, docs/benchmarks.md's method).

Best of each counts (the settlement sections' method), medians are printed too. The template and
its copies are named ``bench_badges_*`` (own names: other benchmarks may run beside it).
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

from sqlalchemy import text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]


def due_of(k: int):
    from habits.domain.calendar import Schedule, due_at

    return due_at(Schedule("Asia/Shanghai", settle_day_start(), 7, 5 * 60, 7 * 60), k, 10)


def settle_day_start():
    from bench import settle_day

    return settle_day.START


def run(server: str, database: str, k: int) -> dict:
    """Settle day k on ``database`` with the tree on PYTHONPATH (its own process)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    import habits.models  # noqa: F401
    from habits.services.settlement import settle_due_days

    engine = create_engine(make_url(server).set(database=database))
    with Session(engine) as session:
        session.execute(text("SELECT 1"))  # connect outside the clock
        now = due_of(k)
        started = time.perf_counter()
        result = settle_due_days(session, now=now, commit=session.commit)
        seconds = time.perf_counter() - started
        assert result.settled and not result.failed, result
        badges = session.scalar(
            text("SELECT count(*) FROM information_schema.tables WHERE table_name = 'badges'")
        )
        awarded = session.scalar(text(f"SELECT count(*) FROM badges WHERE day_index = {k}")) if badges else 0
    engine.dispose()
    return {"seconds": seconds, "badges": awarded}


#: the arrival numbers taps would have drawn (standing.py), in the order of the instants: the
#: riser badges rank by them
NUMBER_ARRIVALS = """
UPDATE check_ins SET arrival_no = numbered.no
  FROM (SELECT id, row_number() OVER (PARTITION BY challenge_id, day_index
                                      ORDER BY checked_in_at, enrollment_id) AS no
          FROM check_ins) AS numbered
 WHERE numbered.id = check_ins.id AND check_ins.arrival_no IS NULL
"""


def build(server: str, name: str, n: int, k: int) -> None:
    from bench import settle_day
    from habits.services.settlement import settle_due_days

    settle_day.build_template(server, name, n)
    engine = settle_day.engine_for(server, name)
    with Session(engine) as session:
        if k == 0:
            session.execute(text(NUMBER_ARRIVALS))
            session.commit()
            engine.dispose()
            return
        for day in range(1, k + 1):
            session.execute(
                text(
                    "INSERT INTO check_ins (enrollment_id, challenge_id, day_index, checked_in_at, source,"
                    " counts_for_money, photo_private)"
                    " SELECT c.enrollment_id, c.challenge_id, :day,"
                    " c.checked_in_at + make_interval(days => :day),"
                    " c.source, true, false FROM check_ins c WHERE c.day_index = 0"
                ),
                {"day": day},
            )
        session.execute(text(NUMBER_ARRIVALS))
        session.commit()
        for day in range(k):
            result = settle_due_days(session, now=due_of(day), commit=session.commit)
            assert result.settled and not result.failed, result
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()


def measure(server: str, database: str, tree: Path, k: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--server", server, "--run", "--database", database, "--day", str(k)],
        check=True, capture_output=True, text=True, cwd=tree,
        env={**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{ROOT}"},
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--day", type=int, default=0, help="the day settled (0-6; 6 is the last)")
    parser.add_argument("--before-tree", type=Path, required=False, help="the starting commit's tree")
    parser.add_argument("--keep", action="store_true", help="keep the template afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a template kept by --keep")
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run(args.server, args.database, args.day)))
        return
    sys.path.insert(0, str(ROOT))
    from bench import settle_day

    trees = {"before": args.before_tree.resolve() if args.before_tree else None, "after": ROOT}
    if trees["before"] is None:
        parser.error("--before-tree is needed (the starting commit checked out)")
    template = f"bench_badges_{args.size}_d{args.day}"
    print(
        f"settle day {args.day}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.size:,} enrollments",
        flush=True,
    )
    if not args.reuse:
        build(args.server, template, args.size, args.day)
    order = []
    for r in range(args.rounds):
        order += ["before", "after"] if r % 2 == 0 else ["after", "before"]
    times: dict[str, list[float]] = {"before": [], "after": []}
    try:
        for which in order:
            copy = f"{template}_{which}"
            settle_day.admin(
                args.server,
                f'DROP DATABASE IF EXISTS "{copy}"',
                f'CREATE DATABASE "{copy}" TEMPLATE "{template}"',
            )
            got = measure(args.server, copy, trees[which], args.day)
            times[which].append(got["seconds"])
            print(f"  {which:6} {got['seconds']:.2f} s  ({got['badges']:,} badges of the day)", flush=True)
    finally:
        names = [f"{template}_{which}" for which in times] + ([] if args.keep else [template])
        settle_day.admin(args.server, *(f'DROP DATABASE IF EXISTS "{name}"' for name in names))
    best = {which: min(values) for which, values in times.items()}
    median = {which: statistics.median(values) for which, values in times.items()}
    print(
        f"best of {args.rounds}: before {best['before']:.2f} s, after {best['after']:.2f} s,"
        f" {100 * (best['after'] / best['before'] - 1):+.0f} %; medians {median['before']:.2f} s /"
        f" {median['after']:.2f} s, {100 * (median['after'] / median['before'] - 1):+.0f} %"
    )


if __name__ == "__main__":
    main()
