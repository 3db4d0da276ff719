"""Benchmark: placing 100,000 members into squads of 150 by their answers, on PostgreSQL.

    .venv/bin/python -m bench.squad_placement [--members 100000] [--size 150] [--rounds 5] [--keep]

Builds its own database (``streakpot_bench_squads``, dropped at the end unless ``--keep``) from the
tree's models: one community, one challenge with ``squad_size``, ``--members`` members with a
region (12 of them, a tenth unset: the zone's area stands in) and ``--members`` active enrollments,
set-based. Each round runs in a fresh process (so its peak RSS is the placement's, not the
previous round's): it opens day 0's placement exactly as the sweep does
(``habits.services.squads.placing.place_at_day_zero``: read the answers, match in Python, write
squads, the current assignment and the history with executemany) and commits, then prints the
seconds, the process's RSS before the placement and its peak (ru_maxrss). Between rounds the
squads are deleted. Reports the median, min and max of the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.checkin_data import database_url, drop_database, recreate_database  # noqa: E402

DATABASE = "streakpot_bench_squads"
REGIONS = ["CN", "US", "DE", "FR", "JP", "BR", "IN", "GB", "KR", "SG", "AU", "CA"]
ZONES = ["Asia/Shanghai", "America/New_York", "Europe/Berlin", "UTC"]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def build(members: int, size: int) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from habits.models import Challenge, Community, Member, Theme
    from ledger.base import Base

    recreate_database(DATABASE)
    engine = create_engine(database_url(DATABASE))
    Base.metadata.create_all(engine)
    now = datetime.now(UTC)
    with Session(engine) as session:
        organizer = Member(
            email="organizer@bench.test", password_hash="x", display_name="Organizer", timezone="UTC",
            locale="en", created_at=now,
        )  # fmt: skip
        session.add(organizer)
        session.flush()
        community = Community(
            name="Bench", theme=Theme.EARLY_RISE, description="", rules_text="", organizer_id=organizer.id,
            created_at=now, entry_form=[], approval=False,
        )  # fmt: skip
        session.add(community)
        session.flush()
        challenge = Challenge(
            community_id=community.id, title="Bench", timezone="Asia/Shanghai", start_date=date(2030, 1, 1),
            days=30, open_minute=300, close_minute=420, deposit_minor=3000, currency="CNY",
            code_word_secret="x", created_by_id=organizer.id, created_at=now, squad_size=size,
            day_zero_opens_at=datetime(2029, 12, 31, 21, tzinfo=UTC), settled_days=0,
        )  # fmt: skip
        session.add(challenge)
        session.commit()
        params = {"n": members, "regions": REGIONS, "zones": ZONES, "ch": challenge.id, "now": now}
        session.execute(
            text(
                """
                INSERT INTO members (email, password_hash, display_name, timezone, locale, created_at,
                                     region, email_digest)
                SELECT 'm' || g || '@bench.test', 'x', 'M' || g,
                       (CAST(:zones AS text[]))[1 + (g * 7) % 4], 'en', :now,
                       CASE WHEN g % 10 = 0 THEN NULL
                            ELSE (CAST(:regions AS text[]))[1 + (g * 31) % 12] END, false
                FROM generate_series(1, :n) g
                """
            ),
            params,
        )
        session.execute(
            text(
                """
                INSERT INTO enrollments (challenge_id, member_id, status, misses, deposit_minor, currency,
                                         rest_days_used, paid_from_wallet, joined_at)
                SELECT :ch, id, 'active', 0, 3000, 'CNY', 0, false, :now
                FROM members WHERE email LIKE 'm%@bench.test' ORDER BY random()
                """
            ),
            params,
        )
        session.commit()
    engine.dispose()


def reset() -> None:
    import psycopg

    with psycopg.connect(database_url(DATABASE).replace("+psycopg", "")) as conn:
        conn.execute("DELETE FROM squad_moves")
        conn.execute("DELETE FROM squad_changes")
        conn.execute("DELETE FROM squad_members")
        conn.execute("DELETE FROM squads")


def child() -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from habits.models import Challenge
    from habits.services.squads import placing

    engine = create_engine(database_url(DATABASE))
    with Session(engine) as session:
        challenge = session.get(Challenge, 1)
        backend = session.scalar(text("SELECT pg_backend_pid()"))
        before = rss_mb()
        server_cpu = backend_cpu_seconds(backend)
        cpu = time.process_time()
        started = time.perf_counter()
        change = placing.place_at_day_zero(session, challenge, now=datetime.now(UTC))
        session.commit()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        server_cpu = backend_cpu_seconds(backend) - server_cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result = {
            "seconds": seconds,
            "python_cpu_s": cpu,
            "postgres_cpu_s": server_cpu,
            "rss_before_mb": before,
            "peak_rss_mb": peak,
            "squads": change.squads_after,
            "moved": change.moved,
            "load": os.getloadavg()[0],
        }
        print(json.dumps(result))


def backend_cpu_seconds(pid: int) -> float:
    """User + system CPU of a PostgreSQL backend process (same machine), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child()
        return 0
    started = time.perf_counter()
    build(args.members, args.size)
    print(f"built {args.members} members in {time.perf_counter() - started:.1f} s", flush=True)
    results = []
    try:
        for round_ in range(1, args.rounds + 1):
            reset()
            out = subprocess.run(
                [sys.executable, "-m", "bench.squad_placement", "--child"],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            results.append(result)
            print(f"round {round_}: {json.dumps(result)}", flush=True)
    finally:
        if not args.keep:
            drop_database(DATABASE)
    seconds = [r["seconds"] for r in results]
    peaks = [r["peak_rss_mb"] for r in results]
    cpu = [r["python_cpu_s"] + r["postgres_cpu_s"] for r in results]
    print(f"CPU (Python + PostgreSQL backend) median {statistics.median(cpu):.2f} s")
    before = statistics.median(r["rss_before_mb"] for r in results)
    print(
        f"placement of {args.members} into squads of {args.size}: "
        f"median {statistics.median(seconds):.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f}); "
        f"peak RSS median {statistics.median(peaks):.0f} MB (max {max(peaks):.0f}), "
        f"RSS before placing {before:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
