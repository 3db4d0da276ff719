"""Production's topology as local processes (compose.yaml without containers), for the README's
production section, the tests and the benchmarks:

- two gunicorn web nodes on their own ports (gunicorn.conf.py), STREAKPOT_SCHEDULER_MODE=off;
- the small round-robin proxy in front (scripts/roundrobin_proxy.py, PROXY_COUNT=1);
- `flask scheduler run` twice (they share the work through the database);
- PostgreSQL at 127.0.0.1:5432 (its own database, created here), the machine's Redis for the
  rate limits, moto's server as the S3-compatible object store (MinIO in compose.yaml);
- production settings with PAYMENTS_MODE=offline on a staging server (STAGING=true).

    python scripts/topology.py start [--workers N] [--database NAME] [--fresh] [--set NAME=VALUE ...]
    python scripts/topology.py stop [--drop]
    python scripts/topology.py status

State (pids, logs, generated secrets) lives in instance/topology/ (or --state DIR). `stop`
ends exactly the processes `start` recorded, by their ids.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

from habits import vapid_keys

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("TOPOLOGY_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("TOPOLOGY_REDIS", "redis://127.0.0.1:6379/3")
READY_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


def create_database(name: str, fresh: bool) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def secret(state: Path, name: str, make) -> str:
    path = state / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


#: the bucket the topology's photos go to, in moto's server
BUCKET = "streakpot"


def app_environment(state: Path, database: str, public_url: str, object_store: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAKPOT_")}
    env.update(
        FLASK_APP="app",
        STREAKPOT_ENV="production",
        STREAKPOT_STAGING="true",
        STREAKPOT_PAYMENTS_MODE="offline",
        STREAKPOT_SQLALCHEMY_DATABASE_URI=database_url(database),
        STREAKPOT_RATELIMIT_STORAGE_URI=REDIS,
        STREAKPOT_SCHEDULER_MODE="off",
        STREAKPOT_PROXY_COUNT="1",
        STREAKPOT_PUBLIC_URL=public_url,
        STREAKPOT_SECRET_KEY=secret(state, "secret_key", lambda: secrets.token_hex(32)),
        STREAKPOT_STRIPE_WEBHOOK_SECRET=secret(
            state, "webhook_secret", lambda: "whsec_" + secrets.token_hex(24)
        ),
        # production requires the Web Push key (habits/vapid_keys.py): one per topology
        STREAKPOT_VAPID_PRIVATE_KEY=secret(state, "vapid_private_key", vapid_keys.new_private_key),
        # photos in the object store every web node shares (moto takes any keys)
        STREAKPOT_PHOTO_STORAGE="s3",
        STREAKPOT_S3_ENDPOINT_URL=object_store,
        STREAKPOT_S3_BUCKET=BUCKET,
        STREAKPOT_S3_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="topology",
        AWS_SECRET_ACCESS_KEY=secret(state, "s3_secret_key", lambda: secrets.token_hex(20)),
    )
    return env


def extra_settings(pairs: list[str]) -> dict[str, str]:
    """``--set MAIL_SERVER=127.0.0.1``: STREAKPOT_MAIL_SERVER for every process of the topology
    (the caller's own STREAKPOT_* variables are never passed through)."""
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.isidentifier():
            raise SystemExit(f"--set takes NAME=VALUE; got {pair!r}")
        settings[f"STREAKPOT_{name.upper()}"] = value
    return settings


def spawn(state: Path, name: str, command: list[str], env: dict | None = None) -> dict:
    log = open(state / f"{name}.log", "ab")  # noqa: SIM115  (the child holds it)
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    return {"name": name, "pid": process.pid, "command": command}


def wait_until_answers(url: str, processes: list[dict]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            for process in processes:
                if not alive(process["pid"]):
                    raise SystemExit(f"{process['name']} stopped while starting: see its log")
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {READY_SECONDS} s")


def alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def start(args) -> None:
    state = Path(args.state)
    if (state / "topology.json").exists():
        raise SystemExit(f"a topology is already running ({state}/topology.json): stop it first")
    state.mkdir(parents=True, exist_ok=True)
    create_database(args.database, args.fresh)
    proxy_port = args.proxy_port or free_port()
    web_ports = [free_port() for _ in range(args.nodes)]
    s3_port = free_port()
    object_store_url = f"http://127.0.0.1:{s3_port}"
    env = app_environment(state, args.database, f"http://127.0.0.1:{proxy_port}", object_store_url)
    env.update(extra_settings(args.set))
    upgrade = subprocess.run(
        [str(BIN / "flask"), "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True
    )
    if upgrade.returncode:
        raise SystemExit("flask db upgrade failed:\n" + upgrade.stderr.decode(errors="replace"))
    object_store = [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)]
    processes = [spawn(state, "object-store", object_store)]
    try:
        wait_until_answers(object_store_url, processes)
        # the bucket photos go to, before any node takes a photo
        request = urllib.request.Request(f"{object_store_url}/{BUCKET}", method="PUT")
        urllib.request.urlopen(request, timeout=5).close()
    except BaseException:
        stop_spawned(processes)
        raise
    for index, port in enumerate(web_ports, 1):
        command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "app:create_app()"]
        if args.workers:
            command[1:1] = ["--workers", str(args.workers)]
        # each node its own name (its heartbeat row) and metrics folder (habits/observability)
        node = {**env, "STREAKPOT_NODE_NAME": f"web{index}"}
        node["PROMETHEUS_MULTIPROC_DIR"] = str(state / f"metrics-web{index}")
        Path(node["PROMETHEUS_MULTIPROC_DIR"]).mkdir(exist_ok=True)
        processes.append(spawn(state, f"web{index}", command, node))
    for index in range(1, args.schedulers + 1):
        command = [str(BIN / "flask"), "--app", "app", "scheduler", "run"]
        processes.append(spawn(state, f"scheduler{index}", command, env))
    backends = [arg for port in web_ports for arg in ("--backend", f"127.0.0.1:{port}")]
    proxy = [sys.executable, str(ROOT / "scripts" / "roundrobin_proxy.py"), "--listen", str(proxy_port)]
    processes.append(spawn(state, "proxy", proxy + backends))
    topology = {
        "database": args.database,
        "proxy": f"http://127.0.0.1:{proxy_port}",
        "web": [f"http://127.0.0.1:{port}" for port in web_ports],
        "object_store": object_store_url,
        "redis": REDIS,
        "processes": processes,
    }
    (state / "topology.json").write_text(json.dumps(topology, indent=2))
    try:
        for url in [*topology["web"], topology["proxy"]]:
            wait_until_answers(f"{url}/healthz", processes)
    except BaseException:
        stop_processes(state)
        raise
    print(f"Streakpot topology up ({len(web_ports)} web nodes, {args.schedulers} schedulers):")
    print(f"  site (through the proxy)  {topology['proxy']}")
    for index, url in enumerate(topology["web"], 1):
        print(f"  web node {index}                {url}")
    print(f"  object store (S3, moto)   {topology['object_store']}  bucket: {BUCKET} (photos)")
    print(f"  PostgreSQL                {database_url(args.database)}")
    print(f"  Redis (rate limits)       {REDIS}")
    print(f"  logs                      {state}/*.log")
    print("Stop it with: scripts/topology stop")


def stop_processes(state: Path) -> list[str]:
    path = state / "topology.json"
    if not path.exists():
        return []
    stopped = stop_spawned(json.loads(path.read_text())["processes"])
    path.unlink()
    return stopped


def stop_spawned(processes: list[dict]) -> list[str]:
    """End the processes (and the groups they lead) by their ids: TERM, then KILL after 20 s."""
    for process in processes:
        try:
            os.killpg(process["pid"], signal.SIGTERM)  # the group each one leads (its workers too)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 20
    for process in processes:
        while alive(process["pid"]) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(process["pid"]):
            try:
                os.killpg(process["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass
    return [process["name"] for process in processes]


def stop(args) -> None:
    state = Path(args.state)
    topology_file = state / "topology.json"
    database = json.loads(topology_file.read_text())["database"] if topology_file.exists() else None
    stopped = stop_processes(state)
    print(f"stopped: {', '.join(stopped)}" if stopped else "no topology was running")
    if args.drop and database:
        drop_database(database)
        print(f"dropped database {database}")


def status(args) -> None:
    path = Path(args.state) / "topology.json"
    if not path.exists():
        print("no topology is running")
        return
    for process in json.loads(path.read_text())["processes"]:
        print(f"{process['name']:14} pid {process['pid']:7} {'up' if alive(process['pid']) else 'DOWN'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Production's topology as local processes.")
    parser.add_argument("--state", default=str(ROOT / "instance" / "topology"), help="pids, logs, secrets")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("start")
    up.add_argument("--database", default="streakpot_topology", help="PostgreSQL database (created)")
    up.add_argument("--fresh", action="store_true", help="drop the database first")
    up.add_argument("--nodes", type=int, default=2, help="web nodes")
    up.add_argument("--schedulers", type=int, default=2)
    up.add_argument("--workers", type=int, default=0, help="gunicorn workers per node (gunicorn.conf.py's)")
    up.add_argument("--proxy-port", type=int, default=0, help="default: a free port")
    up.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a setting, e.g. MAIL_SERVER=..."
    )
    down = commands.add_parser("stop")
    down.add_argument("--drop", action="store_true", help="drop the database too")
    commands.add_parser("status")
    args = parser.parse_args(argv)
    {"start": start, "stop": stop, "status": status}[args.command](args)


if __name__ == "__main__":
    main()
