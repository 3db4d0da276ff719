"""The wake-up spike on the production topology, and how far more web nodes take it.

Like the fault drill (bench/fault_drill.py), it runs on its own PostgreSQL cluster and its own
redis-server, with scripts/topology's web nodes (gunicorn, production settings, Redis limits).
The load spreads over the nodes from the client (round robin, as a load balancer would); the
topology's small Python proxy is not in the path, since it would measure itself.

``spike`` (open loop): 10,000 distinct members arrive over five minutes, 70 % of them in the first
minute, each checking in once at its arrival instant whatever the server is doing (latency is
counted from the arrival instant, so a server that falls behind shows it). Meanwhile
``flask settle`` settles another challenge's day of 100,000 enrollments. Then the same arrivals
compressed by each ``--compress`` factor (a factor of 4: five minutes in 75 s), without the
settlement, up to the first that breaks p99 < 100 ms or answers anything but 201.

``scale`` (closed loop): wrk at full speed on 1, 2 and 3 web nodes (one wrk per node, each with
its own members' tokens), throughput and CPU per process.

Reported: throughput, p50/p99, CPU seconds per process group (web nodes, PostgreSQL, Redis, the
load generator, the settling process), every 201 stored once.

    .venv/bin/python -m bench.topology_load spike                     # about ten minutes
    .venv/bin/python -m bench.topology_load spike --minutes 1 --members 2000 --settle 10000
    .venv/bin/python -m bench.topology_load scale --duration 20
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import checkin_data, settle_ceiling  # noqa: E402
from bench.fault_drill import DATABASE, OwnPostgres, OwnRedis, Topology, free_port  # noqa: E402
from habits.domain.calendar import Schedule, due_at  # noqa: E402
from habits.models import Challenge  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
SETTLE_START = date(2026, 3, 2)
P99_GOAL_MS = 100.0


# -- CPU per process group --------------------------------------------------------------------


def process_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds so far) of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS)
    return table


def tree_cpu(table: dict[int, tuple[int, float]], root: int) -> dict[int, float]:
    """CPU seconds of ``root`` and every descendant."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            found[pid] = table[pid][1]
            todo.extend(children.get(pid, []))
    return found


class CpuMeter:
    """CPU spent by each named process tree between start() and stop()."""

    def __init__(self, roots: dict[str, int]):
        self.roots = roots

    def start(self) -> None:
        table = process_table()
        self.before = {name: tree_cpu(table, root) for name, root in self.roots.items()}
        self.own_before = resource.getrusage(resource.RUSAGE_SELF)
        self.children_before = resource.getrusage(resource.RUSAGE_CHILDREN)

    def stop(self) -> dict[str, float]:
        table = process_table()
        spent = {}
        for name, root in self.roots.items():
            now = tree_cpu(table, root)
            spent[name] = round(sum(t - self.before[name].get(pid, 0.0) for pid, t in now.items()), 1)
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent["load generator"] = round(
            own.ru_utime + own.ru_stime - self.own_before.ru_utime - self.own_before.ru_stime, 1
        )
        spent["children (wrk, flask settle)"] = round(
            kids.ru_utime + kids.ru_stime - self.children_before.ru_utime - self.children_before.ru_stime, 1
        )
        return spent


def postmaster_pid(pg: OwnPostgres) -> int:
    return int((pg.data / "postmaster.pid").read_text().split()[0])


# -- the open-loop spike ----------------------------------------------------------------------


def arrivals(
    members: int, seconds: float, first_share: float = 0.7, first_seconds: float = 60
) -> list[float]:
    """Arrival instants (seconds from the start): ``first_share`` of them in the first
    ``first_seconds``, the rest over the remaining time, each at a random instant (seeded)."""
    rng = random.Random(20261206)
    early = round(members * first_share)
    times = [rng.uniform(0, first_seconds) for _ in range(early)]
    times += [rng.uniform(first_seconds, seconds) for _ in range(members - early)]
    return sorted(times)


def open_loop(nodes: list[str], tokens: list[tuple[int, str]], times: list[float], threads: int) -> dict:
    """Send each member's check-in at its arrival instant; latency from that instant."""
    local = threading.local()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def send(index: int, due: float, start: float) -> None:
        member, token = tokens[index]
        node = nodes[index % len(nodes)]
        connections = getattr(local, "connections", None)
        if connections is None:
            connections = local.connections = {}
        status = 0
        # a kept-alive connection the server closed while idle fails at once: a client opens a new
        # one and sends again (the server never read the first; a check-in's retry is safe anyway)
        for _attempt in range(2):
            try:
                connection = connections.get(node)
                if connection is None:
                    host, port = node.removeprefix("http://").split(":")
                    connection = connections[node] = http.client.HTTPConnection(host, int(port), timeout=30)
                connection.request(
                    "POST", f"/api/v1/enrollments/{member}/checkins", body=b"{}",
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                )  # fmt: skip
                response = connection.getresponse()
                response.read()
                status = response.status
                break
            except (OSError, http.client.HTTPException):
                connections.pop(node, None)
        finished = time.monotonic()
        with lock:
            latencies.append((finished - (start + due)) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

    pool = ThreadPoolExecutor(max_workers=threads)
    start = time.monotonic() + 0.5
    for index, due in enumerate(times):
        delay = start + due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        pool.submit(send, index, due, start)
    pool.shutdown(wait=True)
    elapsed = time.monotonic() - start
    latencies.sort()
    return {
        "requests": len(times),
        "seconds": round(elapsed, 1),
        "peak_rate": round(peak_rate(times), 1),
        "statuses": statuses,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 1),
        "max_ms": round(latencies[-1], 1),
    }


def peak_rate(times: list[float], window: float = 10.0) -> float:
    """The most arrivals in any ``window`` seconds, per second."""
    best, left = 0, 0
    for right, instant in enumerate(times):
        while instant - times[left] > window:
            left += 1
        best = max(best, right - left + 1)
    return best / window


def stored_once(plain_url: str, expected: int) -> dict:
    with psycopg.connect(plain_url, autocommit=True) as conn:
        rows, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT enrollment_id) FROM check_ins WHERE challenge_id = 1"
        ).fetchone()
    return {"rows": rows, "distinct_members": distinct, "expected": expected}


def reset_checkins(plain_url: str) -> None:
    with psycopg.connect(plain_url, autocommit=True) as conn:
        conn.execute("DELETE FROM check_ins WHERE challenge_id = 1")


def load_settlement_day(database_url: str, n: int) -> Schedule:
    """A challenge of n funded enrollments whose day 0 is due (bench/settle_ceiling.py's)."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        challenge_id = settle_ceiling.load(
            session,
            n=n,
            deposit=7000,
            days=7,
            currency="CNY",
            tz="Asia/Shanghai",
            start=SETTLE_START,
            prefix="s",  # populate's members are m<i>@bench.test
        )
        schedule = session.get(Challenge, challenge_id).schedule()
    engine.dispose()
    return schedule


def wait_for_settlement(process: subprocess.Popen, settled: dict) -> None:
    """Note when the settling process ends (the spike goes on meanwhile) and what it said."""
    settled["output"] = process.communicate()[0]
    settled["ended"] = time.monotonic()


def spike(args, folder: Path, pg: OwnPostgres, redis: OwnRedis) -> dict:
    topology = Topology(folder / "topology", pg, redis)
    topology.run("start", "--database", DATABASE, "--workers", str(args.workers), "--schedulers", "0")
    results: dict = {"runs": []}
    try:
        nodes = topology.described["web"]
        os.environ["STREAKPOT_SCHEDULER_MODE"] = "off"
        os.environ["STREAKPOT_SQLALCHEMY_DATABASE_URI"] = topology.database_url
        checkin_data.populate(args.members, 0, folder, 1)
        rows = (folder / "tokens_round1.txt").read_text().split("\n")
        tokens = [(int(i), token) for i, token in (row.split() for row in rows if row)]
        schedule = load_settlement_day(topology.database_url, args.settle) if args.settle else None
        roots = {f"web node {i + 1}": topology.process(f"web{i + 1}")["pid"] for i in range(len(nodes))}
        roots |= {"postgresql": postmaster_pid(pg), "redis": redis.process.pid}
        for factor in [1.0, *args.compress]:
            reset_checkins(topology.plain_url)
            times = arrivals(len(tokens), args.minutes * 60 / factor, first_seconds=60 / factor)
            meter = CpuMeter(roots)
            meter.start()
            settling = None
            if factor == 1.0 and schedule is not None:
                as_of = due_at(schedule, 0, 10) + timedelta(seconds=1)
                command = [str(Path(sys.executable).parent / "flask"), "--app", "app", "settle",
                           "--as-of", as_of.isoformat().replace("+00:00", "Z")]  # fmt: skip
                settling = subprocess.Popen(
                    command, cwd=ROOT, env=topology.app_env(), stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, text=True,
                )  # fmt: skip
                settled: dict = {"started": time.monotonic()}
                # when the settlement ends, while the spike goes on
                waiter = threading.Thread(target=wait_for_settlement, args=(settling, settled))
                waiter.start()
            run = open_loop(nodes, tokens, times, args.threads)
            if settling is not None:
                waiter.join()
                output = settled["output"]
                run["settlement"] = {
                    "enrollments": args.settle,
                    "seconds": round(settled["ended"] - settled["started"], 1),
                    "exit": settling.returncode,
                    "output": output.strip().splitlines()[-1:] if output else [],
                }
            run["compress"] = factor
            run["cpu_seconds"] = meter.stop()
            run["stored"] = stored_once(topology.plain_url, len(tokens))
            run["held"] = run["p99_ms"] < P99_GOAL_MS and set(run["statuses"]) == {201}
            results["runs"].append(run)
            print(json.dumps(run), flush=True)
            if not run["held"] and factor != 1.0:
                break
    finally:
        topology.run("stop")
    held = [r for r in results["runs"] if r["held"]]
    results["highest_peak_rate_held"] = max((r["peak_rate"] for r in held), default=None)
    return results


# -- closed-loop scale-out --------------------------------------------------------------------


def scale(args, folder: Path, pg: OwnPostgres, redis: OwnRedis) -> dict:
    results: dict = {"runs": []}
    lua = ROOT / "bench" / "checkin_wakeup.lua"
    os.environ["STREAKPOT_SCHEDULER_MODE"] = "off"
    for count in args.nodes:
        topology = Topology(folder / f"topology{count}", pg, redis)
        fresh = ["--fresh"] if count == args.nodes[0] else []
        topology.run("start", "--database", DATABASE, "--workers", str(args.workers), "--schedulers", "0",
                     "--nodes", str(count), *fresh)  # fmt: skip
        try:
            if fresh:
                os.environ["STREAKPOT_SQLALCHEMY_DATABASE_URI"] = topology.database_url
                checkin_data.populate(args.members, 0, folder, 1)
            reset_checkins(topology.plain_url)
            lines = (folder / "tokens_round1.txt").read_text().splitlines()
            nodes = topology.described["web"]
            roots = {f"web node {i + 1}": topology.process(f"web{i + 1}")["pid"] for i in range(count)}
            roots |= {"postgresql": postmaster_pid(pg), "redis": redis.process.pid}
            meter = CpuMeter(roots)
            meter.start()
            loads = []
            for i, node in enumerate(nodes):
                tokens = folder / f"tokens_node{count}_{i}.txt"
                tokens.write_text("\n".join(lines[i :: len(nodes)]) + "\n")
                command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
                           "-s", str(lua), node]  # fmt: skip
                env = {**os.environ, "CHECKIN_TOKENS": str(tokens), "WRK_THREADS": "1"}
                loads.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env))
            outputs = [load.communicate()[0] for load in loads]
            cpu = meter.stop()
            rps = sum(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)) for out in outputs)
            p99 = [re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", out, re.M) for out in outputs]
            unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
            statuses: dict[str, int] = {}
            for out in outputs:
                for status, n in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M):
                    statuses[status] = statuses.get(status, 0) + int(n)
            run = {
                "nodes": count,
                "requests_per_second": round(rps),
                "p99_ms_worst_node": max(float(m.group(1)) * unit[m.group(2)] for m in p99 if m),
                "statuses": statuses,
                "cpu_seconds": cpu,
                "cpu_share_of_machine": round(sum(cpu.values()) / (args.duration * os.cpu_count()), 2),
            }
            results["runs"].append(run)
            print(json.dumps(run), flush=True)
        finally:
            topology.run("stop")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("spike", help="open loop, with a settlement alongside")
    up.add_argument("--members", type=int, default=10_000)
    up.add_argument("--minutes", type=float, default=5)
    up.add_argument(
        "--settle", type=int, default=100_000, help="enrollments of the day settled alongside (0: none)"
    )
    up.add_argument("--compress", type=float, nargs="*", default=[2, 4, 8, 16])
    up.add_argument("--threads", type=int, default=48, help="the load generator's concurrent requests")
    up.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers per node (0: gunicorn.conf.py's)"
    )
    out = commands.add_parser("scale", help="closed loop on 1, 2, 3 web nodes")
    out.add_argument("--nodes", type=int, nargs="+", default=[1, 2, 3])
    out.add_argument(
        "--members", type=int, default=200_000, help="enough that every request is a first check-in"
    )
    out.add_argument("--duration", type=int, default=20)
    out.add_argument("--connections", type=int, default=32, help="wrk connections per node")
    out.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers per node (0: gunicorn.conf.py's)"
    )
    for sub in (up, out):
        sub.add_argument("--keep", action="store_true", help="leave the folder (logs) behind")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None and args.command == "scale":
        raise SystemExit("scale needs Debian's wrk (apt-get install wrk)")
    # a stop (kill, Ctrl-C) still stops the servers and the topology it started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    folder = Path(tempfile.mkdtemp(prefix="streakpot-load-"))
    pg, redis = OwnPostgres(folder, free_port()), OwnRedis(folder, free_port())
    try:
        pg.start()
        redis.start()
        results = (spike if args.command == "spike" else scale)(args, folder, pg, redis)
    finally:
        for stop in (redis.stop, pg.stop):
            try:
                stop()
            except Exception:  # noqa: BLE001  (already stopped)
                pass
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
