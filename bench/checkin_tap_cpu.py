"""CPU per check-in tap in process, this checkout against another, pairs alternating.

The server benchmark (bench/checkin_wakeup.py) measures what a member sees, and on a shared machine
its rates swing with everyone else's load. This measures the code alone: the tap through the Flask
test client against PostgreSQL (no gunicorn, no wrk), ``time.process_time()`` over N first
check-ins after 200 warm-up ones, one fresh process per tree and measurement, the order
alternating from pair to pair. One database serves both trees (filled by this checkout's models:
valid while the two share the schema).

    .venv/bin/python -m bench.checkin_tap_cpu --before-tree ../before --pairs 7 --taps 4000
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.checkin_data import BENCH_VAPID_KEY, database_url, drop_database

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 200


def environment(database: str) -> dict:
    return dict(
        os.environ,
        STREAKPOT_ENV="production",
        STREAKPOT_SQLALCHEMY_DATABASE_URI=database_url(database),
        STREAKPOT_SECRET_KEY="bench-" + "x" * 40,
        STREAKPOT_VAPID_PRIVATE_KEY=BENCH_VAPID_KEY,
        STREAKPOT_STRIPE_WEBHOOK_SECRET="whsec_bench",
        STREAKPOT_PAYMENTS_MODE="offline",
        STREAKPOT_SCHEDULER_MODE="off",
        STREAKPOT_RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/14",
        STREAKPOT_LOG_LEVEL="WARNING",
    )


def measure(tree: Path, tokens: list[list[str]]) -> float:
    """CPU milliseconds per tap of ``tree``'s app, in this process (called in a fresh one)."""
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    # Imported here, once the measured tree is first on the import path.
    from app import create_app

    client = create_app().test_client()

    def tap(enrollment_id: str, token: str) -> None:
        response = client.post(
            f"/api/v1/enrollments/{enrollment_id}/checkins",
            json={"note": "up at dawn"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.get_data(as_text=True)

    for enrollment_id, token in tokens[:WARM_UP]:
        tap(enrollment_id, token)
    started = time.process_time()
    for enrollment_id, token in tokens[WARM_UP:]:
        tap(enrollment_id, token)
    return 1000 * (time.process_time() - started) / (len(tokens) - WARM_UP)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before-tree", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--taps", type=int, default=4000, help="measured taps per run")
    parser.add_argument("--database", default="streakpot_bench_tap_cpu")
    parser.add_argument(
        "--measure", nargs=4, metavar=("TREE", "TOKENS", "START", "COUNT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.measure:
        tree, tokens_file, start, count = args.measure
        lines = [line.split() for line in Path(tokens_file).read_text().splitlines()]
        print(f"{measure(Path(tree), lines[int(start) : int(start) + int(count)]):.4f}")
        return 0
    trees = {"after": ROOT, "before": args.before_tree.resolve()}
    per_run = args.taps + WARM_UP
    workdir = Path(tempfile.mkdtemp(prefix="streakpot-tap-cpu-"))
    env = environment(args.database)
    subprocess.run(
        [sys.executable, "-m", "bench.checkin_data", "--tree", str(ROOT), "--database", args.database,
         "--members", str(2 * args.pairs * per_run), "--rounds", "1", "--workdir", str(workdir)],
        env=env, cwd=ROOT, check=True,
    )  # fmt: skip
    subprocess.run(["redis-cli", "-n", "14", "FLUSHDB"], check=True, capture_output=True)
    results: dict[str, list[float]] = {"after": [], "before": []}
    start = 0
    try:
        for pair in range(args.pairs):
            for label in ("before", "after") if pair % 2 == 0 else ("after", "before"):
                out = subprocess.run(
                    [sys.executable, "-m", "bench.checkin_tap_cpu", "--before-tree", str(trees["before"]),
                     "--measure", str(trees[label]), str(workdir / "tokens_round1.txt"), str(start),
                     str(per_run)],
                    env=env, cwd=ROOT, check=True, capture_output=True, text=True,
                ).stdout  # fmt: skip
                start += per_run
                results[label].append(float(out.split()[-1]))
                print(f"pair {pair + 1} {label:<6} {results[label][-1]:.3f} ms CPU per tap", flush=True)
    finally:
        drop_database(args.database)
    after, before = (statistics.median(results[label]) for label in ("after", "before"))
    faster = sum(a < b for a, b in zip(results["after"], results["before"], strict=True))
    print(f"medians: after {after:.3f} ms, before {before:.3f} ms CPU per tap ({after / before:.1%});")
    print(f"after cheaper in {faster} of {args.pairs} pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
