"""The wake-up spike: authenticated check-ins of distinct members vs. a hello-world route.

Sets up a PostgreSQL database with N members, each enrolled (active) in one challenge whose
window is open, each with an API token; starts gunicorn with the recommended configuration;
runs wrk against a hello-world JSON route of the same app and then against the check-in route
(a Lua script rotates the tokens, so every request is a different member's first check-in);
prints both rates, the ratio and the latencies; profiles the hot path in process with
pyinstrument; and drops the database.

    .venv/bin/python -m bench.checkin_wakeup            # defaults below
    .venv/bin/python -m bench.checkin_wakeup --help

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust), Redis at 127.0.0.1:6379 (rate-limit
storage shared by the workers) and Debian's wrk. Targets 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DB_NAME = "streakpot_bench_checkin"
DB_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/15"
PORT = 8941


def environment(args) -> dict:
    env = dict(os.environ)
    env.update(
        STREAKPOT_ENV="production",
        STREAKPOT_SQLALCHEMY_DATABASE_URI=DB_URL,
        STREAKPOT_SECRET_KEY="bench-" + "x" * 40,
        STREAKPOT_STRIPE_WEBHOOK_SECRET="whsec_bench",
        STREAKPOT_PAYMENTS_MODE="offline",
        STREAKPOT_STAGING="true",  # production settings with offline payments: a staging server
        STREAKPOT_SCHEDULER_MODE="off",
        STREAKPOT_RATELIMIT_STORAGE_URI=REDIS_URL,
        STREAKPOT_LOG_LEVEL="WARNING",
        STREAKPOT_SQLALCHEMY_ENGINE_OPTIONS=f'{{"pool_size": {args.threads}, "max_overflow": 0}}',
    )
    return env


# -- data ---------------------------------------------------------------------------------------


def recreate_database() -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database() -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def populate(members: int, reserve: int, workdir: Path, rounds: int) -> tuple[list[Path], Path]:
    """N members enrolled in one open challenge, with tokens; returns the wrk token files (one
    per round, so every round's check-ins are first check-ins) and the profile's token file."""
    from sqlalchemy import insert, text
    from werkzeug.security import generate_password_hash

    from app import create_app
    from habits.domain.calendar import Schedule
    from habits.extensions import db
    from habits.models import (
        ApiToken,
        Challenge,
        Community,
        CommunityMembership,
        Enrollment,
        Member,
        Role,
        Theme,
    )
    from habits.models.window import store_windows

    now = datetime.now(UTC)
    total = members + reserve
    app = create_app()
    with app.app_context():
        db.create_all()
        password_hash = generate_password_hash("bench-password", method="pbkdf2:sha256:1000")
        tokens = [secrets.token_urlsafe(32) for _ in range(total)]
        hashes = [hashlib.sha256(token.encode()).hexdigest() for token in tokens]
        with db.engine.begin() as conn:
            conn.execute(
                insert(Member),
                [
                    {
                        "id": i,
                        "email": f"m{i}@bench.test",
                        "password_hash": password_hash,
                        "display_name": f"Member {i}",
                        "timezone": "UTC",
                        "locale": "en",
                        "created_at": now,
                    }
                    for i in range(1, total + 1)
                ],
            )
            conn.execute(
                insert(Community),
                [{"id": 1, "name": "Dawn", "theme": Theme.EARLY_RISE, "organizer_id": 1, "created_at": now,
                  "description": "", "rules_text": "", "join_questions": [], "requires_approval": False}],
            )  # fmt: skip
            conn.execute(
                insert(CommunityMembership),
                [
                    {"community_id": 1, "member_id": i, "role": Role.ORGANIZER if i == 1 else Role.MEMBER,
                     "answers": [], "joined_at": now}
                    for i in range(1, total + 1)
                ],
            )  # fmt: skip
            # The window is the whole day (00:00-24:00 UTC), so it is open whenever the bench runs;
            # the window arithmetic on the hot path is the same for any window.
            start = (now - timedelta(days=1)).date()
            conn.execute(
                insert(Challenge),
                [{"id": 1, "community_id": 1, "title": "Bench", "description": "", "timezone": "UTC",
                  "start_date": start, "days": 30, "open_minute": 0, "close_minute": 1440,
                  "deposit_minor": 3000, "currency": "CNY", "max_misses": 3, "min_participants": 1,
                  "fee_bps": 0, "split": "equal", "review_minutes": 10, "rest_days": 0, "outage_minutes": 10,
                  "requires_photo": False, "requires_code_word": False, "code_word_secret": "b" * 64,
                  "status": "running", "day_zero_opens_at": datetime.combine(start, datetime.min.time(), UTC),
                  "settled_days": 0, "next_due_at": None, "created_by_id": 1, "created_at": now}],
            )  # fmt: skip
            # Core inserts skip the ORM's listeners: store the windows the check-in finds its day in
            store_windows(conn, 1, Schedule("UTC", start, 30, 0, 1440))
            conn.execute(
                insert(Enrollment),
                [
                    {"id": i, "challenge_id": 1, "member_id": i, "status": "active", "misses": 0,
                     "deposit_minor": 3000, "currency": "CNY", "rest_days_used": 0, "paid_from_wallet": False,
                     "joined_at": now, "activated_at": now}
                    for i in range(1, total + 1)
                ],
            )  # fmt: skip
            conn.execute(
                insert(ApiToken),
                [
                    {"id": i, "member_id": i, "token_hash": hashes[i - 1], "name": "bench",
                     "created_at": now, "expires_at": now + timedelta(days=1)}
                    for i in range(1, total + 1)
                ],
            )  # fmt: skip
            for table in (
                "members",
                "communities",
                "community_memberships",
                "challenges",
                "enrollments",
                "api_tokens",
            ):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            conn.execute(text("ANALYZE"))
        db.engine.dispose()
    per_round = members // rounds
    wrk_tokens = []
    for r in range(rounds):
        path = workdir / f"tokens_round{r + 1}.txt"
        ids = range(r * per_round + 1, (r + 1) * per_round + 1)
        path.write_text("".join(f"{i} {tokens[i - 1]}\n" for i in ids))
        wrk_tokens.append(path)
    profile_tokens = workdir / "profile_tokens.txt"
    profile_tokens.write_text("".join(f"{i} {tokens[i - 1]}\n" for i in range(members + 1, total + 1)))
    return wrk_tokens, profile_tokens


def checkins_in_database() -> int:
    with psycopg.connect(DB_URL.replace("+psycopg", "")) as conn:
        return conn.execute("SELECT count(*) FROM check_ins").fetchone()[0]


# -- serving and loading ------------------------------------------------------------------------


def gunicorn_command(args) -> list[str]:
    """The recommended configuration (gunicorn.conf.py); options given here win."""
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "--config", str(ROOT / "gunicorn.conf.py"),
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--bind", f"127.0.0.1:{PORT}",
    ]  # fmt: skip
    if args.access_log:
        command += ["--access-logfile", "-"]
    return [*command, "bench.checkin_wsgi:app"]


def port_in_use() -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", PORT)) == 0


def wait_for_server(server: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/hello", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def connections_per_worker() -> list[int]:
    """How many of the server's established connections each worker holds, fewest first."""
    listing = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{PORT} )"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return sorted(Counter(re.findall(r"pid=(\d+)", listing)).values())


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(args, url: str, script: Path | None = None, duration: int | None = None, env=None) -> dict:
    command = [
        "wrk",
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{duration or args.duration}s",
        "--latency",
    ]
    if script:
        command += ["-s", str(script)]
    load = subprocess.Popen(command + [url], stdout=subprocess.PIPE, text=True, env=env)
    time.sleep((duration or args.duration) / 2)  # mid-run: every connection is open and held
    split = connections_per_worker()
    output = load.communicate()[0]
    if load.returncode:
        raise subprocess.CalledProcessError(load.returncode, command)
    result = {"raw": output, "statuses": {}, "split": split}
    result["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    for percentile, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M):
        result[f"p{percentile}_ms"] = float(value) * _UNITS[unit]
    for status, count in re.findall(r"^STATUS (\d+) (\d+)$", output, re.M):
        result["statuses"][int(status)] = int(count)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    return result


def figures(name: str, result: dict) -> str:
    rate, p50, p99 = result["rps"], result["p50_ms"], result["p99_ms"]
    split = "/".join(map(str, result["split"]))
    return f"{name:<12} {rate:9.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   per worker {split:<6}"


# -- profile --------------------------------------------------------------------------------------


def profile_hot_path(profile_tokens: Path, requests: int) -> str:
    """pyinstrument over in-process check-ins (test client, same app and database)."""
    from pyinstrument import Profiler

    from bench.checkin_wsgi import app

    lines = [line.split() for line in profile_tokens.read_text().splitlines()][:requests]
    client = app.test_client()
    # warm up: caches, pool, prepared statements
    for enrollment_id, token in lines[:50]:
        client.post(f"/api/v1/enrollments/{enrollment_id}/checkins", json={"note": "up at dawn"},
                    headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for enrollment_id, token in lines[50:]:
        response = client.post(
            f"/api/v1/enrollments/{enrollment_id}/checkins",
            json={"note": "up at dawn"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.get_data(as_text=True)
    profiler.stop()
    return profiler.output_text(unicode=False, color=False, show_all=False, short_mode=False)


# -- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--members", type=int, default=40_000, help="members with a token (one check-in each)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="hello then check-in, this many times")
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--profile-requests", type=int, default=2000, help="0: no profile")
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    workdir = Path(tempfile.mkdtemp(prefix="streakpot-bench-"))
    env = environment(args)
    # The set-up and the in-process profile build the same app as the workers.
    os.environ.update({name: value for name, value in env.items() if name.startswith("STREAKPOT_")})
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"setting up {DB_NAME}: {args.members} members, enrollments and tokens ...", flush=True)
    recreate_database()
    server = None
    try:
        started = time.monotonic()
        reserve = args.profile_requests + 50 if args.profile_requests else 0
        wrk_tokens, profile_tokens = populate(args.members, reserve, workdir, args.rounds)
        print(f"  done in {time.monotonic() - started:.1f}s", flush=True)
        subprocess.run(["redis-cli", "-n", "15", "FLUSHDB"], check=True, capture_output=True)
        print("gunicorn:", " ".join(gunicorn_command(args)[1:]), flush=True)
        if port_in_use():  # another server there would be measured instead of this one
            raise RuntimeError(f"127.0.0.1:{PORT} is already in use")
        server = subprocess.Popen(gunicorn_command(args), env=env, cwd=ROOT, start_new_session=True)
        wait_for_server(server)
        base = f"http://127.0.0.1:{PORT}"
        run_wrk(args, f"{base}/bench/hello", duration=2)  # warm-up
        lua = ROOT / "bench" / "checkin_wakeup.lua"
        results = []
        for tokens_file in wrk_tokens:
            hello = run_wrk(args, f"{base}/bench/hello")
            wrk_env = dict(os.environ, CHECKIN_TOKENS=str(tokens_file), WRK_THREADS=str(args.wrk_threads))
            checkin = run_wrk(args, base, script=lua, env=wrk_env)
            results.append((hello, checkin))
        stored = checkins_in_database()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    print()
    print(
        f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s --latency, {args.rounds} round(s)"
    )
    for number, (hello, checkin) in enumerate(results, 1):
        print(f"round {number}")
        print("  " + figures("hello-world", hello))
        print(
            "  " + figures("check-in", checkin) + f"   statuses {dict(sorted(checkin['statuses'].items()))}"
        )
        print(f"  ratio        {checkin['rps'] / hello['rps']:.1%} of hello-world")
    ratios = sorted(checkin["rps"] / hello["rps"] for hello, checkin in results)
    p99s = sorted(checkin["p99_ms"] for _, checkin in results)
    ratio, p99 = ratios[len(ratios) // 2], p99s[len(p99s) // 2]
    print(f"median over rounds: ratio {ratio:.1%}, check-in p99 {p99:.2f} ms")
    print(f"check-ins stored: {stored}; load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.profile_requests:
        print()
        print("pyinstrument, in process:", flush=True)
        print(profile_hot_path(profile_tokens, args.profile_requests))
    if not args.keep:
        drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
