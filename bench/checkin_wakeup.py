"""The wake-up spike: authenticated check-ins of distinct members vs. a hello-world route.

For each tree measured (this checkout, and with ``--before-tree`` another one: before/after in one
sitting) it builds a PostgreSQL database with N members, each enrolled (active) in one challenge
whose window is open and each with an API token (bench/checkin_data.py, with that tree's own
models), and starts gunicorn from that tree with its recommended configuration. Then, round after
round, it runs wrk against a hello-world JSON route of the same app and against the check-in route
(a Lua script rotates the tokens, so every request is a different member's first check-in); with
two trees the rounds alternate between them (before, after, then after, before, ...). It prints
the rates, the ratio, the latencies and the CPU milliseconds per request (read from /proc around
each run, for gunicorn's processes and for PostgreSQL's backends of that database); profiles
the hot path in process with pyinstrument (this checkout only); and drops the databases.

    .venv/bin/python -m bench.checkin_wakeup            # defaults below
    .venv/bin/python -m bench.checkin_wakeup --before-tree ../before --rounds 7 --profile-requests 0
    .venv/bin/python -m bench.checkin_wakeup --help

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust), Redis at 127.0.0.1:6379 (rate-limit
storage shared by the workers) and Debian's wrk. Targets 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.checkin_data import (
    BENCH_VAPID_KEY,
    backend_pids,
    checkins_in_database,
    database_url,
    drop_database,
)

ROOT = Path(__file__).resolve().parent.parent
REDIS_DB = 15
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """One tree under test: its database, its gunicorn, its results."""

    label: str
    tree: Path
    port: int
    database: str
    workdir: Path
    process: subprocess.Popen | None = None
    rounds: list[tuple[dict, dict]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def environment(args, database: str) -> dict:
    env = dict(os.environ)
    env.update(
        STREAKPOT_ENV="production",
        STREAKPOT_SQLALCHEMY_DATABASE_URI=database_url(database),
        STREAKPOT_SECRET_KEY="bench-" + "x" * 40,
        STREAKPOT_VAPID_PRIVATE_KEY=BENCH_VAPID_KEY,
        STREAKPOT_STRIPE_WEBHOOK_SECRET="whsec_bench",
        STREAKPOT_PAYMENTS_MODE="offline",
        STREAKPOT_STAGING="true",  # production settings with offline payments: a staging server
        STREAKPOT_SCHEDULER_MODE="off",
        STREAKPOT_RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:6379/{REDIS_DB}",
        STREAKPOT_LOG_LEVEL="WARNING",
        STREAKPOT_SQLALCHEMY_ENGINE_OPTIONS=f'{{"pool_size": {args.threads}, "max_overflow": 0}}',
    )
    return env


# -- serving ------------------------------------------------------------------------------------


def gunicorn_command(args, server: Server) -> list[str]:
    """The tree's recommended configuration (its gunicorn.conf.py); options given here win."""
    command = [
        sys.executable, "-m", "gunicorn",
        "--config", str(server.tree / "gunicorn.conf.py"),
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--bind", f"127.0.0.1:{server.port}",
    ]  # fmt: skip
    if args.access_log:
        command += ["--access-logfile", "-"]
    return [*command, "bench.checkin_wsgi:app"]


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for_server(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn ({server.label}) exited with status {server.process.returncode}")
        try:
            with urllib.request.urlopen(f"{server.base}/bench/hello", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn ({server.label}) did not answer in time")


def connections_per_worker(port: int) -> list[int]:
    """How many of the server's established connections each worker holds, fewest first."""
    listing = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return sorted(Counter(re.findall(r"pid=(\d+)", listing)).values())


# -- CPU time from /proc ----------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU seconds of each process so far (utime, stime: fields 14 and 15)."""
    found = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            found[pid] = (int(fields[11]) + int(fields[12])) / _TICKS
    return found


def server_pids(master: int) -> list[int]:
    """The gunicorn master and its workers."""
    children = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    return [
        master,
        *(pid for pid in children if (f := _stat_fields(pid)) is not None and int(f[1]) == master),
    ]


class CpuMeter:
    """CPU spent by the server's processes and its database's backends between start and stop
    (a backend that appears meanwhile counts from its birth: a pool connection's first run)."""

    def __init__(self, server: Server):
        self.server = server
        self.app = cpu_seconds(server_pids(server.process.pid))
        self.database = cpu_seconds(backend_pids(server.database))

    def stop(self) -> tuple[float, float]:
        app = cpu_seconds(server_pids(self.server.process.pid))
        database = cpu_seconds(backend_pids(self.server.database))
        spent = (sum(t - self.app.get(p, 0.0) for p, t in app.items()),
                 sum(t - self.database.get(p, 0.0) for p, t in database.items()))  # fmt: skip
        return spent


# -- load -------------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(
    args, server: Server, path: str = "", script: Path | None = None, duration=None, env=None
) -> dict:
    duration = duration or args.duration
    command = ["wrk", f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{duration}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    meter = CpuMeter(server)
    load = subprocess.Popen([*command, server.base + path], stdout=subprocess.PIPE, text=True, env=env)
    time.sleep(duration / 2)  # mid-run: every connection is open and held
    split = connections_per_worker(server.port)
    output = load.communicate()[0]
    app_cpu, database_cpu = meter.stop()
    if load.returncode:
        raise subprocess.CalledProcessError(load.returncode, command)
    result = {"raw": output, "statuses": {}, "split": split}
    result["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    result["app_cpu_ms"] = 1000 * app_cpu / requests
    result["db_cpu_ms"] = 1000 * database_cpu / requests
    for percentile, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M):
        result[f"p{percentile}_ms"] = float(value) * _UNITS[unit]
    for status, count in re.findall(r"^STATUS (\d+) (\d+)$", output, re.M):
        result["statuses"][int(status)] = int(count)
    return result


def one_round(args, server: Server, number: int) -> None:
    hello = run_wrk(args, server, "/bench/hello")
    tokens = server.workdir / f"tokens_round{number}.txt"
    wrk_env = dict(os.environ, CHECKIN_TOKENS=str(tokens), WRK_THREADS=str(args.wrk_threads))
    checkin = run_wrk(args, server, script=ROOT / "bench" / "checkin_wakeup.lua", env=wrk_env)
    server.rounds.append((hello, checkin))


# -- report -------------------------------------------------------------------------------------------


def figures(name: str, result: dict) -> str:
    split = "/".join(map(str, result["split"]))
    return (
        f"{name:<15} {result['rps']:6.0f} req/s   p50 {result['p50_ms']:6.2f} ms"
        f"   p99 {result['p99_ms']:6.2f} ms"
        f"   CPU/request {result['app_cpu_ms']:.3f} ms app + {result['db_cpu_ms']:.3f} ms PostgreSQL"
        f"   per worker {split}"
    )


def summary(server: Server) -> dict:
    median = statistics.median
    return {
        "hello": median(h["rps"] for h, _ in server.rounds),
        "checkin": median(c["rps"] for _, c in server.rounds),
        "ratio": median(c["rps"] / h["rps"] for h, c in server.rounds),
        "p99": median(c["p99_ms"] for _, c in server.rounds),
        "hello_cpu": median(h["app_cpu_ms"] for h, _ in server.rounds),
        "app_cpu": median(c["app_cpu_ms"] for _, c in server.rounds),
        "db_cpu": median(c["db_cpu_ms"] for _, c in server.rounds),
    }


def report(args, servers: list[Server]) -> None:
    print(f"\nwrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s --latency,", end=" ")
    print(f"{args.rounds} round(s)")
    for number in range(args.rounds):
        print(f"round {number + 1}")
        for server in servers:
            hello, checkin = server.rounds[number]
            tag = f"{server.label} " if len(servers) > 1 else ""
            print(f"  {figures(tag + 'hello', hello)}")
            statuses = dict(sorted(checkin["statuses"].items()))
            print(f"  {figures(tag + 'check-in', checkin)}   statuses {statuses}")
            print(f"  {tag}ratio {checkin['rps'] / hello['rps']:.1%} of hello-world")
    medians = {server.label: summary(server) for server in servers}
    print("\nmedians over rounds:")
    for label, m in medians.items():
        print(
            f"  {label:<7} hello {m['hello']:6.0f} req/s ({m['hello_cpu']:.3f} ms CPU/request), check-in "
            f"{m['checkin']:6.0f} req/s ({m['app_cpu']:.3f} ms app + {m['db_cpu']:.3f} ms PostgreSQL"
            f" CPU/request), ratio {m['ratio']:.1%}, check-in p99 {m['p99']:.2f} ms"
        )
    if len(servers) == 2:
        after, before = medians[servers[0].label], medians[servers[1].label]
        pairs = [a[1]["rps"] / b[1]["rps"] for a, b in zip(servers[0].rounds, servers[1].rounds, strict=True)]
        print(
            f"  after/before: check-in rate {after['checkin'] / before['checkin']:.1%} (median of round"
            f" pairs {statistics.median(pairs):.1%}), ratio to hello-world"
            f" {after['ratio'] / before['ratio']:.1%}, app CPU per check-in"
            f" {after['app_cpu'] / before['app_cpu']:.1%}"
        )
    for server in servers:
        print(f"{server.label}: check-ins stored {checkins_in_database(server.database)}")


def profile_hot_path(profile_tokens: Path, requests: int) -> str:
    """pyinstrument over in-process check-ins (test client, same app and database)."""
    # Imported here: the app comes from this checkout, with the settings main() put in os.environ.
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


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=40_000, help="members with a token, per tree")
    parser.add_argument("--rounds", type=int, default=3, help="hello then check-in, this many times")
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--profile-requests", type=int, default=2000, help="0: no profile")
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--port", type=int, default=8941, help="this checkout's server (--before-tree's: +1)")
    parser.add_argument("--database", default="streakpot_bench_checkin", help="(--before-tree's: + _before)")
    parser.add_argument("--before-tree", type=Path, help="also measure this checkout, rounds alternating")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    workdir = Path(tempfile.mkdtemp(prefix="streakpot-bench-"))
    servers = [
        Server("after" if args.before_tree else "this", ROOT, args.port, args.database, workdir / "this")
    ]
    if args.before_tree:
        before = args.before_tree.resolve()
        servers.append(Server("before", before, args.port + 1, args.database + "_before", workdir / "before"))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    reserve = args.profile_requests + 50 if args.profile_requests else 0
    try:
        for server in servers:
            if port_in_use(server.port):  # another server there would be measured instead of this one
                raise RuntimeError(f"127.0.0.1:{server.port} is already in use")
            print(f"setting up {server.database} from {server.tree}: {args.members} members ...", flush=True)
            started = time.monotonic()
            server.workdir.mkdir()
            subprocess.run(
                [sys.executable, "-m", "bench.checkin_data", "--tree", str(server.tree), "--database",
                 server.database, "--members", str(args.members), "--reserve", str(reserve), "--rounds",
                 str(args.rounds), "--workdir", str(server.workdir)],
                env=environment(args, server.database), cwd=ROOT, check=True,
            )  # fmt: skip
            print(f"  done in {time.monotonic() - started:.1f}s", flush=True)
        subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], check=True, capture_output=True)
        for server in servers:
            print(f"gunicorn ({server.label}):", " ".join(gunicorn_command(args, server)[1:]), flush=True)
            server.process = subprocess.Popen(
                gunicorn_command(args, server), env=environment(args, server.database), cwd=server.tree,
                start_new_session=True,
            )  # fmt: skip
        for server in servers:
            wait_for_server(server)
            run_wrk(args, server, "/bench/hello", duration=2)  # warm-up
        for number in range(1, args.rounds + 1):
            # alternate who goes first, so a drift of the machine's speed favours neither
            for server in servers if number % 2 else servers[::-1]:
                one_round(args, server, number)
    finally:
        for server in servers:
            if server.process is not None:
                os.killpg(server.process.pid, signal.SIGTERM)
                server.process.wait(timeout=30)
    report(args, servers)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.profile_requests:
        os.environ.update(environment(args, servers[0].database))
        print("\npyinstrument, in process:", flush=True)
        print(profile_hot_path(servers[0].workdir / "profile_tokens.txt", args.profile_requests))
    if not args.keep:
        for server in servers:
            drop_database(server.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
