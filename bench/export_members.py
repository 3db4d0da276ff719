"""Benchmark: the members' CSV export of a community, streamed, memory flat.

    .venv/bin/python -m bench.export_members [--members 100000] [--small 10000] [--keep]

PostgreSQL only, in its own database (``streakpot_bench_export``, dropped at the end unless
``--keep``): one community of --members members (community 1) and one of --small (community 2),
each member with answers to two join questions (a third of them beginning with "=", which the
export escapes). Each export is read in a fresh child process through the app's WSGI stack (the
test client, not buffered: chunk by chunk, as gunicorn hands them on), and the child reports its
peak RSS (``ru_maxrss``) before the request and after the last chunk, the bytes and rows it
read, and the seconds it took. Memory is flat when the growth is the same for both sizes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.checkin_data import drop_database, recreate_database  # noqa: E402
from bench.checkin_wakeup import environment  # noqa: E402
from bench.feed_page import psql_url  # noqa: E402

#: the organizer's bearer token (its hash is stored, as the app stores tokens)
TOKEN = "bench-export-token-" + "x" * 24
TOKEN_HASH = hashlib.sha256(TOKEN.encode()).hexdigest()
#: the registration form both communities ask (habits.services.entry): two text fields
FORM = json.dumps(
    [
        {"key": "city", "label": "City?", "kind": "text", "required": True},
        {"key": "goal", "label": "Goal?", "kind": "text", "required": True},
    ]
)


def build(database: str, members: int, small: int) -> None:
    import psycopg

    from app import create_app
    from habits.extensions import db

    recreate_database(database)
    app = create_app()
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    with psycopg.connect(psql_url(database)) as conn:
        conn.execute(
            "INSERT INTO members (id, email, password_hash, display_name, timezone, locale, created_at)"
            " SELECT g, 'm' || g || '@bench.test', 'x',"
            " CASE WHEN g %% 3 = 0 THEN '=cmd|' || g ELSE 'Member ' || g END,"
            " 'UTC', 'en', now() FROM generate_series(1, %(n)s) g",
            {"n": members},
        )
        conn.execute(
            "INSERT INTO communities (id, name, theme, description, rules_text, entry_form,"
            " approval, organizer_id, created_at, timezone)"
            " VALUES (1, 'Big', 'early-rise', '', '', %(form)s, false, 1, now(), 'UTC'),"
            " (2, 'Small', 'early-rise', '', '', %(form)s, false, 1, now(), 'UTC')",
            {"form": FORM},
        )
        for community, count in ((1, members), (2, small)):
            conn.execute(
                "INSERT INTO community_memberships"
                " (community_id, member_id, role, status, answers, joined_at)"
                " SELECT %(c)s, g, CASE WHEN g = 1 THEN 'organizer' ELSE 'member' END, 'active',"
                " json_build_object('city', 'City ' || (g %% 50), 'goal', '+goal ' || g),"
                " now() - make_interval(mins => g)"
                " FROM generate_series(1, %(n)s) g",
                {"c": community, "n": count},
            )
        conn.execute(
            "INSERT INTO api_tokens (member_id, token_hash, name, created_at, expires_at)"
            " VALUES (1, %(h)s, 'bench', now(), now() + interval '1 day')",
            {"h": TOKEN_HASH},
        )
        for table in ("members", "communities", "community_memberships", "api_tokens"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    with psycopg.connect(psql_url(database), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def measure(community: int) -> dict:
    """In this (child) process: the export read chunk by chunk; peak RSS before and after."""
    from app import create_app

    app = create_app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    client.get(f"/api/v1/communities/{community}/health", headers=headers)  # warm: imports, pool
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get(f"/api/v1/communities/{community}/export/members.csv", headers=headers)
    assert response.status_code == 200 and response.is_streamed, response.status_code
    size = rows = chunks = 0
    escaped = False
    for chunk in response.response:
        chunks += 1
        size += len(chunk)
        rows += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
        escaped = escaped or (b"'=cmd|" in chunk if isinstance(chunk, bytes) else "'=cmd|" in chunk)
    response.close()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": rows - 1, "bytes": size, "chunks": chunks, "seconds": round(seconds, 2),
            "rss_before_mb": round(before / 1024, 1), "rss_peak_mb": round(after / 1024, 1),
            "growth_mb": round((after - before) / 1024, 1), "formulas_escaped": escaped}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="streakpot_bench_export")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    env = environment(types.SimpleNamespace(threads=2), args.database)
    os.environ.update(env)
    os.chdir(ROOT)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    if not args.reuse:
        started = time.monotonic()
        build(args.database, args.members, args.small)
        print(f"data built in {time.monotonic() - started:.0f} s", flush=True)
    results = {}
    for community, count in ((2, args.small), (1, args.members), (2, args.small), (1, args.members)):
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.export_members",
                "--database",
                args.database,
                "--measure",
                str(community),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        results.setdefault(count, []).append(result)
        print(f"  {count:>7} members: {result}", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.keep:
        drop_database(args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
