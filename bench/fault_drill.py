"""The fault drill: the topology under a stream of check-ins while its parts fail, one by one.

On its OWN PostgreSQL cluster (initdb as the postgres user, another port) and its own
redis-server, never the machine's shared ones, it starts scripts/topology (two web nodes behind
the proxy, two schedulers, moto's S3 server), seeds members with tokens and an open challenge, and
runs check-in clients that behave like the phone app: a 503 is retried after its Retry-After, a
lost connection after a moment, and a 409 "already checked in" after a retry means the first
attempt was stored. Then, phase by phase:

1. ``postgres``: PostgreSQL restarted (fast shutdown) during the spike;
2. ``web-node``: one web node killed (SIGKILL, with its workers);
3. ``scheduler``: a challenge with due days appears; both schedulers are killed while one of them
   is inside a settlement's transaction; a fresh scheduler is started;
4. ``redis``: Redis stopped: check-ins go on (their limit fails open), a login gets a 503;
5. ``object-store``: the object store stopped: a check-in without a photo works, one with a
   photo gets a clear 503 (when the topology keeps photos there).

Expected, and checked at the end: no answer other than 201/409/503 (a 503 always with
Retry-After; never a 500 or a 502), every 201 stored exactly once, every due day settled once,
``flask ledger verify`` and ``flask payments reconcile`` clean. It prints a table per phase and
exits non-zero when an expectation fails.

    .venv/bin/python -m bench.fault_drill                 # about three minutes
    .venv/bin/python -m bench.fault_drill --members 20000 --clients 16 --keep

Run as root (it runs initdb and PostgreSQL as the postgres user) or as the postgres user.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bench import checkin_data  # noqa: E402
from habits.cli import demo_history  # noqa: E402
from habits.extensions import db  # noqa: E402
from habits.models import Community, Member  # noqa: E402
from scripts import topology as topology_script  # noqa: E402

BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("PG_BIN") or sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])
DATABASE = "streakpot_drill"
#: a tiny PNG: the photo of the object-store phase
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e221bc330000000049454e44ae426082"
)


# -- the drill's own servers ------------------------------------------------------------------


def as_postgres(command: list[str]) -> list[str]:
    """Run ``command`` as the postgres user (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class OwnPostgres:
    """A PostgreSQL cluster of the drill's own: initdb in a temporary folder, trust auth."""

    def __init__(self, folder: Path, port: int):
        self.data, self.port, self.log = folder / "pg", port, folder / "postgres.log"
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
        self.admin_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def ctl(self, *args: str) -> None:
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", *args]
        subprocess.run(as_postgres(command), check=True, capture_output=True)

    def start(self) -> None:
        subprocess.run(
            as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]),
            check=True,
            capture_output=True,
        )
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self.ctl("-o", options, "start")

    def restart(self) -> None:
        self.ctl("-m", "fast", "restart")

    def stop(self) -> None:
        self.ctl("-m", "immediate", "stop")


class OwnRedis:
    def __init__(self, folder: Path, port: int):
        self.port, self.folder, self.process = port, folder, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self.folder)]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_answers(self.port), "redis-server")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def port_answers(port: int) -> bool:
    try:
        http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
        return True
    except OSError:
        return False


def wait_for(check, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not come up within {seconds} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- the topology -----------------------------------------------------------------------------


class Topology:
    def __init__(self, state: Path, pg: OwnPostgres, redis: OwnRedis):
        self.state = state
        self.env = {**os.environ, "TOPOLOGY_PG_ADMIN": pg.admin_url, "TOPOLOGY_REDIS": redis.url}
        self.database_url = f"postgresql+psycopg://postgres@127.0.0.1:{pg.port}/{DATABASE}"
        self.plain_url = f"postgresql://postgres@127.0.0.1:{pg.port}/{DATABASE}"

    def run(self, *args: str) -> None:
        command = [sys.executable, str(ROOT / "scripts" / "topology.py"), "--state", str(self.state), *args]
        subprocess.run(command, check=True, env=self.env, cwd=ROOT)

    @property
    def described(self) -> dict:
        return json.loads((self.state / "topology.json").read_text())

    def process(self, name: str) -> dict:
        return next(p for p in self.described["processes"] if p["name"] == name)

    def kill(self, name: str) -> None:
        try:
            os.killpg(self.process(name)["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass

    def app_env(self) -> dict[str, str]:
        """What the topology's processes run with (scripts/topology.py builds it the same way)."""
        # the script reads its servers from the environment when imported: point it at the drill's
        topology_script.PG_ADMIN = self.env["TOPOLOGY_PG_ADMIN"]
        topology_script.REDIS = self.env["TOPOLOGY_REDIS"]
        described = self.described
        return topology_script.app_environment(
            self.state, DATABASE, described["proxy"], described["object_store"]
        )

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "flask"), "--app", "app", *args],
            cwd=ROOT,
            env=self.app_env(),
            capture_output=True,
            text=True,
        )

    def start_scheduler(self, name: str) -> subprocess.Popen:
        log = open(self.state / f"{name}.log", "ab")  # noqa: SIM115  (the child holds it)
        return subprocess.Popen(
            [str(BIN / "flask"), "--app", "app", "scheduler", "run"],
            cwd=ROOT, env=self.app_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


# -- seeding ----------------------------------------------------------------------------------


def seed_members(topology: Topology, members: int, workdir: Path) -> list[tuple[int, str]]:
    """N members enrolled in one open challenge, each with an API token (bench/checkin_data.py)."""
    os.environ["STREAKPOT_SQLALCHEMY_DATABASE_URI"] = topology.database_url  # populate's app reads it
    os.environ["STREAKPOT_SCHEDULER_MODE"] = "off"  # the drill's process is no third scheduler
    checkin_data.populate(members, 0, workdir, 1)
    rows = (workdir / "tokens_round1.txt").read_text().split("\n")
    return [(int(i), token) for i, token in (row.split() for row in rows if row)]


def seed_due_challenge(topology: Topology, players: int) -> int:
    """A challenge whose seven days are all due, paid through the offline gateway's events and
    checked in as members would have (the demo's history, habits/cli/demo_history.py)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": topology.database_url, "SCHEDULER_MODE": "off"})
    now = datetime.now(UTC)
    with app.app_context():
        session = db.session
        community = session.get(Community, 1)
        organizer = session.get(Member, community.organizer_id)
        people = [
            Member(email=f"late{i}@drill.test", password_hash="x", display_name=f"Late {i}",
                   timezone="UTC", locale="en", created_at=now - timedelta(days=30))
            for i in range(players)
        ]  # fmt: skip
        session.add_all(people)
        session.flush()
        challenge = demo_history.past_challenge(
            session, community, organizer, app.extensions["streakpot.gateway"], random.Random(7),
            rules={"title": "Drill week", "description": "", "timezone": "UTC",
                   "start_date": (now - timedelta(days=10)).date(), "days": 7, "window_open": "05:00",
                   "window_close": "09:00", "deposit_minor": 2000, "currency": "EUR", "max_misses": 2,
                   "min_participants": 1, "fee_bps": 0, "split": "equal", "value_label": "km"},
            players=people, always=people[0], hit_rate=0.8, now=now,
        )  # fmt: skip
        session.commit()
        challenge_id = challenge.id
        db.engine.dispose()
    return challenge_id


# -- the clients ------------------------------------------------------------------------------


@dataclass
class Outcomes:
    """What the clients saw in one phase."""

    statuses: Counter = field(default_factory=Counter)
    created: dict[int, int] = field(default_factory=dict)  # member -> check-in id (201)
    found_stored: set[int] = field(default_factory=set)  # 409 already checked in, after a retry
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1


class PhoneClient:
    """One phone's behaviour: retry after a 503's Retry-After, or a lost connection; never give up
    within the drill's patience."""

    def __init__(self, base: str, outcomes: Outcomes, patience: float = 90):
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port, self.outcomes, self.patience = host, int(port), outcomes, patience
        self.connection = None

    def request(self, method: str, path: str, body: bytes, headers: dict) -> tuple[int, dict, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def check_in(self, member: int, token: str, *, photo: bool = False) -> int:
        """Check ``member`` in until an answer is final; the final status."""
        headers = {"Authorization": f"Bearer {token}"}
        if photo:
            boundary = "drillboundary"
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="p.png"\r\n'
                "Content-Type: image/png\r\n\r\n"
            )
            body = head.encode() + PNG + f"\r\n--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = b"{}"
            headers["Content-Type"] = "application/json"
        deadline, retried = time.monotonic() + self.patience, False
        while True:
            try:
                status, answer_headers, payload = self.request(
                    "POST", f"/api/v1/enrollments/{member}/checkins", body, headers
                )
            except (OSError, http.client.HTTPException):
                self.connection = None
                self.outcomes.saw(0)  # 0: the connection was lost
                status = None
            if status is not None:
                self.outcomes.saw(status)
                if status == 201:
                    with self.outcomes.lock:
                        self.outcomes.created[member] = json.loads(payload)["id"]
                    return status
                if status == 409 and retried and b"already_checked_in" in payload:
                    with self.outcomes.lock:
                        self.outcomes.found_stored.add(member)
                    return status
                if status == 503 and "Retry-After" in answer_headers:
                    if photo:
                        return status  # the photo's 503 is the phase's expected answer
                    retried = True
                    time.sleep(min(float(answer_headers["Retry-After"]), 2.0))
                else:
                    with self.outcomes.lock:
                        self.outcomes.unexpected.append(f"{status} {payload[:200]!r}")
                    return status
            else:
                retried = True
                time.sleep(0.2)
            if time.monotonic() > deadline:
                with self.outcomes.lock:
                    self.outcomes.unexpected.append(f"member {member}: gave up after {self.patience} s")
                return -1


def spike(base: str, members: list[tuple[int, str]], clients: int, outcomes: Outcomes) -> threading.Thread:
    """Check ``members`` in with ``clients`` phones at once, in the background."""
    queue = list(members)
    lock = threading.Lock()

    def phone() -> None:
        client = PhoneClient(base, outcomes)
        while True:
            with lock:
                if not queue:
                    return
                member, token = queue.pop()
            client.check_in(member, token)

    threads = [threading.Thread(target=phone, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    runner = threading.Thread(target=lambda: [t.join() for t in threads], daemon=True)
    runner.start()
    return runner


# -- the phases -------------------------------------------------------------------------------


def settlement_in_flight(plain_url: str) -> bool:
    """A backend is inside a transaction that writes a day's settlement."""
    with psycopg.connect(plain_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            " AND (query ILIKE '%day_settlements%' OR query ILIKE '%ledger_postings%')"
        ).fetchone()
    return row[0] > 0


def due_days_left(plain_url: str, challenge_id: int) -> tuple[int, int, tuple[int, int]]:
    """(days settled, days, (day_settlements rows, distinct days among them))"""
    with psycopg.connect(plain_url, autocommit=True) as conn:
        settled, days = conn.execute(
            "SELECT settled_days, days FROM challenges WHERE id = %s", (challenge_id,)
        ).fetchone()
        rows = conn.execute(
            "SELECT count(*), count(DISTINCT day_index) FROM day_settlements WHERE challenge_id = %s",
            (challenge_id,),
        ).fetchone()
    return settled, days, rows


def login(base: str, email: str) -> tuple[int, str | None]:
    connection = http.client.HTTPConnection(*base.removeprefix("http://").split(":"), timeout=10)
    body = json.dumps({"email": email, "password": "bench-password"})
    connection.request("POST", "/api/v1/auth/tokens", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status, response.getheader("Retry-After")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--members", type=int, default=12_000, help="members with tokens (each checks in once)"
    )
    parser.add_argument(
        "--players", type=int, default=500, help="enrollments of the challenge settled mid-drill (<= 600)"
    )
    parser.add_argument("--clients", type=int, default=16, help="phones checking in at once")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per web node")
    parser.add_argument("--keep", action="store_true", help="leave the folder (logs) behind")
    args = parser.parse_args(argv)
    # a stop (kill, Ctrl-C) still stops the servers and the topology it started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    folder = Path(tempfile.mkdtemp(prefix="streakpot-drill-"))
    pg, redis = OwnPostgres(folder, free_port()), OwnRedis(folder, free_port())
    topology = Topology(folder / "topology", pg, redis)
    report: dict[str, dict] = {}
    failures: list[str] = []
    try:
        pg.start()
        redis.start()
        topology.run("start", "--database", DATABASE, "--workers", str(args.workers))
        base = topology.described["proxy"]
        members = seed_members(topology, args.members, folder)
        photo_member = members.pop()  # kept for the object-store phase's photo
        slices = iter([members[i::5] for i in range(5)])

        def phase(name: str, fault, *, settle_after: float = 0) -> Outcomes:
            outcomes = Outcomes()
            started = time.monotonic()
            runner = spike(base, next(slices), args.clients, outcomes)
            time.sleep(2)  # the spike is under way
            fault()
            runner.join()
            report[name] = {
                "seconds": round(time.monotonic() - started, 1),
                "statuses": dict(outcomes.statuses),
                "stored_201": len(outcomes.created),
                "stored_before_a_lost_answer": len(outcomes.found_stored),
                "unexpected": outcomes.unexpected[:10],
            }
            bad = {s: n for s, n in outcomes.statuses.items() if s not in (0, 201, 409, 503)}
            if bad or outcomes.unexpected:
                failures.append(f"{name}: unexpected answers {bad} {outcomes.unexpected[:3]}")
            return outcomes

        seen: list[Outcomes] = []
        seen.append(phase("postgres", pg.restart))
        seen.append(phase("web-node", lambda: topology.kill("web1")))

        def kill_schedulers_mid_settlement() -> None:
            report["scheduler_seed"] = {"challenge": seed_due_challenge(topology, args.players)}
            deadline = time.monotonic() + 120
            while not settlement_in_flight(topology.plain_url):
                if time.monotonic() > deadline:
                    failures.append("scheduler: no settlement seen in flight within 120 s")
                    break
                time.sleep(0.01)
            topology.kill("scheduler1")
            topology.kill("scheduler2")
            report["scheduler_killed_at"] = due_days_left(
                topology.plain_url, report["scheduler_seed"]["challenge"]
            )

        seen.append(phase("scheduler", kill_schedulers_mid_settlement))
        fresh_scheduler = topology.start_scheduler("scheduler3")

        def stop_redis() -> None:
            redis.stop()
            status, retry_after = login(base, "m1@bench.test")
            report["redis_login"] = {"status": status, "retry_after": retry_after}
            if status != 503 or not retry_after:
                failures.append(f"redis: a login got {status} (Retry-After {retry_after}), not a 503")

        seen.append(phase("redis", stop_redis))

        def stop_object_store() -> None:
            topology.kill("object-store")
            with_photo = Outcomes()
            seen.append(with_photo)
            member, token = photo_member
            status = PhoneClient(base, with_photo, patience=10).check_in(member, token, photo=True)
            report["object_store_photo"] = {"status": status, "statuses": dict(with_photo.statuses)}
            if status == 201:
                report["object_store_photo"]["note"] = "photos are on the nodes' disk here, not in the store"
            elif status != 503:
                failures.append(f"object store: a check-in with a photo got {status}, not a clear 503")

        seen.append(phase("object-store", stop_object_store))

        # -- afterwards: every due day settled once, the books clean, every 201 stored once
        challenge_id = report["scheduler_seed"]["challenge"]
        deadline = time.monotonic() + 300
        while (state := due_days_left(topology.plain_url, challenge_id))[0] < state[1]:
            if time.monotonic() > deadline:
                failures.append(f"scheduler: due days still unsettled after 300 s: {state}")
                break
            time.sleep(2)
        settled, days, (rows, distinct) = due_days_left(topology.plain_url, challenge_id)
        report["settlement"] = {
            "settled_days": settled,
            "days": days,
            "rows": rows,
            "distinct_days": distinct,
        }
        if not (settled == days == rows == distinct):
            failures.append(f"settlement: {report['settlement']}")
        fresh_scheduler.terminate()
        created = {m: c for o in seen for m, c in o.created.items()}
        found = set().union(*(o.found_stored for o in seen))
        with psycopg.connect(topology.plain_url) as conn:
            stored = dict(conn.execute(
                "SELECT enrollment_id, count(*) FROM check_ins WHERE challenge_id = 1 GROUP BY enrollment_id"
            ).fetchall())  # fmt: skip
        missing = [m for m in created if stored.get(m) != 1]
        doubled = [m for m, n in stored.items() if n > 1]
        unaccounted = set(stored) - set(created) - found
        report["stored"] = {"answered_201": len(created), "found_after_retry": len(found),
                            "rows": sum(stored.values()), "missing": len(missing), "doubled": len(doubled),
                            "stored_without_a_final_answer": len(unaccounted)}  # fmt: skip
        if missing or doubled:
            failures.append(f"stored: {len(missing)} 201s missing, {len(doubled)} doubled")
        for command in (("ledger", "verify"), ("payments", "reconcile")):
            done = topology.flask(*command)
            report[" ".join(command)] = {"exit": done.returncode, "output": done.stdout.strip()[-300:]}
            if done.returncode:
                failures.append(
                    f"flask {' '.join(command)}: {done.stdout.strip()[-300:]} {done.stderr[-300:]}"
                )
        report["server_errors_in_logs"] = count_server_errors(topology.state)
        if report["server_errors_in_logs"]:
            failures.append(
                f"web nodes logged {report['server_errors_in_logs']} answers >= 500 other than 503"
            )
    finally:
        try:
            topology.run("stop")
        except subprocess.CalledProcessError:
            pass
        for stop in (redis.stop, pg.stop):
            try:
                stop()
            except Exception:  # noqa: BLE001  (already stopped by the drill)
                pass
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(report, indent=2, default=str))
    print("FAILED:\n- " + "\n- ".join(failures) if failures else "every expectation held")
    return 1 if failures else 0


def count_server_errors(state: Path) -> int:
    """Answers of 500 and above, other than 503, in the web nodes' JSON request logs."""
    errors = 0
    for log in state.glob("web*.log"):
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    status = json.loads(line).get("status")
                except ValueError:
                    continue
                if isinstance(status, int) and status >= 500 and status != 503:
                    errors += 1
    return errors


if __name__ == "__main__":
    sys.exit(main())
