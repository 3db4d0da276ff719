"""Benchmark: a community's health dashboard (API), 100,000 members, a million check-ins.

    .venv/bin/python -m bench.health_dashboard [--requests 100] [--keep] [--reuse]

PostgreSQL only, in its own database (``streakpot_bench_health``, dropped at the end unless
``--keep``). The data is bench/feed_page.py's (100,000 active members of one community in one
challenge, ten days of check-ins each: 1,000,000), with the joins spread over the 60 days before
(a tenth of the members left since), the community created 61 days ago in Asia/Shanghai, the
ten settled days as ``day_settlements`` rows, and the challenge's enrollments in squads of 150
(667 squads, by enrollment id). Then:

1. the health refresh (``habits.services.community_health.refresh``) in this process: the first
   one (every date since the community began, and every cohort week), then an incremental one
   (the trailing dates), each timed; then, per trailing date, the community's row
   (``refresh_day``) and all the squads' rows (``refresh_squads_day``) timed apart, alternating,
   3 rounds, medians;
2. gunicorn in production settings serves the tree, and one warm keep-alive client, the
   organizer, times ``GET /api/v1/communities/1/health`` (the default 30 days), the same for
   a whole 61-day period, and one squad's (``?squad=``, 30 days), alternating, --requests each;
   median and p95 are printed.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import types
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.checkin_data import drop_database  # noqa: E402
from bench.checkin_wakeup import REDIS_DB, environment  # noqa: E402
from bench.feed_page import Client, build, psql_url, start_server, summary, wait_for  # noqa: E402

ORGANIZER = 1
SQUAD_SIZE = 150


def shape(database: str) -> None:
    """Joins over 60 days, a tenth left, the community's zone and age, the settled days."""
    import psycopg

    with psycopg.connect(psql_url(database)) as conn:
        conn.execute(
            "UPDATE communities SET created_at = now() - interval '61 days', timezone = 'Asia/Shanghai'"
        )
        conn.execute(
            "UPDATE community_memberships SET joined_at = now() - interval '60 days' * random()"
            " WHERE member_id <> %(o)s",
            {"o": ORGANIZER},
        )
        conn.execute(
            "UPDATE community_memberships SET joined_at = now() - interval '61 days' WHERE member_id = 1"
        )
        conn.execute(
            "UPDATE community_memberships SET status = 'left',"
            " left_at = joined_at + (now() - joined_at) * random() WHERE member_id % 10 = 7"
        )
        conn.execute(
            """
            INSERT INTO day_settlements (challenge_id, day_index, status, currency, stake_minor,
                carried_in_minor, forfeited_minor, pot_minor, fee_minor, split_minor, carried_minor,
                final_split_minor, unclaimed_minor, returned_minor, split, winners, rest_days, misses,
                eliminated, withdrawn, completed, outage_minutes, settled_at)
            SELECT 1, d, 'settled', 'CNY', 100, 0, 100 * d, 100 * d, 10 * d, 90 * d, 0, 0, 0,
                   100 * (100000 - d), 'equal', 100000 - d, 0, d, d, 0, 0, 0, now()
            FROM generate_series(0, 9) d
            """
        )
        conn.execute(
            "INSERT INTO squads (challenge_id, number, created_at)"
            " SELECT 1, n, (SELECT day_zero_opens_at FROM challenges WHERE id = 1)"
            " FROM generate_series(1, (SELECT (count(*) + %(s)s - 1) / %(s)s FROM enrollments"
            " WHERE challenge_id = 1)) n",
            {"s": SQUAD_SIZE},
        )
        conn.execute(
            "INSERT INTO squad_members (challenge_id, enrollment_id, squad_id)"
            " SELECT 1, e.id, s.id FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / %(s)s + 1 AS n"
            " FROM enrollments WHERE challenge_id = 1) e"
            " JOIN squads s ON s.challenge_id = 1 AND s.number = e.n",
            {"s": SQUAD_SIZE},
        )
    with psycopg.connect(psql_url(database), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def refresh_timed() -> tuple[float, int, float, int]:
    """The first refresh and an incremental one: seconds and dates of each."""
    from sqlalchemy import func, select

    from app import create_app
    from habits.extensions import db
    from habits.models import Community, CommunityDailyHealth, HealthRefresh
    from habits.services.community_health import refresh

    app = create_app()
    with app.app_context():
        session = db.session
        community = session.get(Community, 1)
        now = datetime.now(UTC)
        started = time.perf_counter()
        dates = refresh.refresh_community(session, community, now=now)
        session.merge(HealthRefresh(community_id=1, refreshed_through=dates[-1], refreshed_at=now))
        session.commit()
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = refresh.refresh_community(session, community, now=now, refreshed_through=dates[-1])
        session.commit()
        incremental = time.perf_counter() - started
        rounds = {"community row": [], "squads' rows": []}
        steps = {"community row": refresh.refresh_day, "squads' rows": refresh.refresh_squads_day}
        for number in range(3):
            for name in steps if number % 2 == 0 else reversed(list(steps)):
                for day in again:
                    started = time.perf_counter()
                    steps[name](session, community, day, now=now)
                    session.commit()
                    rounds[name].append(time.perf_counter() - started)
        for name, values in rounds.items():
            values.sort()
            print(f"  per date, {name}: median {values[len(values) // 2]:.2f} s, max {values[-1]:.2f} s")
        squad_rows = session.scalar(
            select(func.count()).where(
                CommunityDailyHealth.community_id == 1, CommunityDailyHealth.squad_id != 0
            )
        )
        print(f"  {squad_rows} squad rows written")
        session.remove()
        db.engine.dispose()
    return first, len(dates), incremental, len(again)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="streakpot_bench_health")
    parser.add_argument("--requests", type=int, default=100, help="timed requests of each period")
    parser.add_argument("--port", type=int, default=8117)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--reuse", action="store_true", help="use the database a --keep run left")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    env = environment(types.SimpleNamespace(threads=args.threads), args.database)
    os.environ.update(env)
    os.chdir(ROOT)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    token_file = Path(tempfile.gettempdir()) / f"{args.database}.token"
    started = time.monotonic()
    if args.reuse:
        token = token_file.read_text().strip()
    else:
        workdir = Path(tempfile.mkdtemp(prefix="streakpot-healthbench-"))
        build(args.database, workdir)
        token = next(
            line.split()[1]
            for line in (workdir / "tokens_round1.txt").read_text().splitlines()
            if line.split()[0] == str(ORGANIZER)
        )
        token_file.write_text(token)
        shape(args.database)
    print(f"data built in {time.monotonic() - started:.0f} s", flush=True)
    first, dates, incremental, trailing = refresh_timed()
    print(
        f"refresh: first {first:.2f} s for {dates} dates;"
        f" incremental {incremental:.2f} s for {trailing} dates"
    )
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], check=True, capture_output=True)
    process = start_server(args, env, ROOT, args.port)
    periods = {"30 days": "/api/v1/communities/1/health", "61 days": None, "squad": None}
    try:
        wait_for(args.port, process)
        client = Client(args.port, token)
        _, body = client.get(periods["30 days"])
        end = date.fromisoformat(body["to"])
        periods["61 days"] = f"/api/v1/communities/1/health?from={end - timedelta(days=60)}&to={end}"
        _, whole = client.get(periods["61 days"])
        middle = body["squads"][len(body["squads"]) // 2]["id"]
        periods["squad"] = f"/api/v1/communities/1/health?squad={middle}"
        _, squad = client.get(periods["squad"])
        squad_last = squad["days"][-2]
        print(
            f"  squad {squad['squad']['number']}: {len(squad['days'])} days, the day before the last:"
            f" {squad_last['members']} members, active {squad_last['active_share']};"
            f" {len(squad['challenges'][0]['settled_days'])} settled days"
        )
        last = body["days"][-1]
        print(
            f"  {len(body['days'])} days, last: {last['members']} members, active {last['active_share']}, "
            f"survival 7 {last['survival_7']}, 30 {last['survival_30']}; {len(whole['days'])} days in the "
            f"longer period; {len(body['cohorts'])} cohort weeks; {len(body['challenges'])} challenge(s)"
        )
        for _ in range(20):  # warm the workers and their pools
            for path in periods.values():
                client.get(path)
        times = {name: [] for name in periods}
        for number in range(args.requests):
            for name, path in periods.items() if number % 2 == 0 else reversed(periods.items()):
                times[name].append(client.get(path)[0])
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    print(f"\none warm keep-alive client, {args.requests} requests of each period, alternating:")
    for name, values in times.items():
        print(f"  {name:>8}: {summary(values)}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.keep:
        drop_database(args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
