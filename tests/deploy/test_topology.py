"""scripts/topology starts production's topology as local processes, and stops it cleanly.

PostgreSQL only (the topology creates its own database beside the test database): two web
nodes both answer /healthz through the round-robin proxy, the schedulers run, and `stop` ends
every process it started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def topology(state: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "scripts" / "topology.py"), "--state", str(state), *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_topology_starts_answers_through_the_proxy_and_stops(tmp_path):
    admin = make_url(TEST_DATABASE_URL).set(drivername="postgresql", database="postgres")
    env = dict(os.environ, TOPOLOGY_PG_ADMIN=admin.render_as_string(hide_password=False))
    database = f"streakpot_topology_{uuid.uuid4().hex[:8]}"
    state = tmp_path / "topology"
    started = topology(state, "start", "--database", database, "--fresh", "--workers", "1", env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        running = json.loads((state / "topology.json").read_text())
        assert "site (through the proxy)" in started.stdout and running["proxy"] in started.stdout
        assert [p["name"] for p in running["processes"]] == [
            "object-store", "web1", "web2", "scheduler1", "scheduler2", "proxy"
        ]  # fmt: skip
        served_by = set()
        for _ in range(4):
            with urllib.request.urlopen(running["proxy"] + "/healthz", timeout=10) as answer:
                assert answer.status == 200
                assert json.load(answer)["database"]["dialect"] == "postgresql"
                served_by.add("http://" + answer.headers["X-Served-By"])
        assert served_by == set(running["web"]), "both web nodes answer through the proxy"
        assert "DOWN" not in topology(state, "status", env=env).stdout
    finally:
        stopped = topology(state, "stop", "--drop", env=env)
    assert stopped.returncode == 0, stopped.stderr
    assert not any(alive(p["pid"]) for p in running["processes"])
    assert not (state / "topology.json").exists()
    assert f"dropped database {database}" in stopped.stdout
