"""scripts/topology starts production's topology as local processes, and stops it cleanly.

PostgreSQL only (the topology creates its own database beside the test database): two web
nodes both answer /healthz through the round-robin proxy, the schedulers run, and `stop` ends
every process it started. With the topology up, its two `flask scheduler run` processes send
each queued mail once (to an SMTP server the test runs), a photo checked in through one node is
kept in the object store (moto's server) and served by both, and the web nodes (not the
schedulers) write the minute heartbeat.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from habits.database import prepare_engine
from habits.models import Heartbeat
from habits.services import mail
from habits.services.health import node_beats
from habits.storage import s3
from tests import images
from tests.api.helpers import auth_headers, enrollment_row
from tests.conftest import TEST_DATABASE_URL
from tests.factories import add_to_community, make_challenge, make_community, make_member
from tests.mail.helpers import Inbox, free_port

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def topology(state: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "scripts" / "topology.py"), "--state", str(state), *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@contextmanager
def running_topology(tmp_path, *settings: str) -> Iterator[tuple[dict, dict, str]]:
    """A topology on its own fresh database: (topology.json, the script's env, the database URL)."""
    admin = make_url(TEST_DATABASE_URL).set(drivername="postgresql", database="postgres")
    env = dict(os.environ, TOPOLOGY_PG_ADMIN=admin.render_as_string(hide_password=False))
    database = f"streakpot_topology_{uuid.uuid4().hex[:8]}"
    state = tmp_path / "topology"
    extra = [arg for setting in settings for arg in ("--set", setting)]
    started = topology(state, "start", "--database", database, "--fresh", "--workers", "1", *extra, env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        running = json.loads((state / "topology.json").read_text())
        url = make_url(TEST_DATABASE_URL).set(database=database).render_as_string(hide_password=False)
        yield running, env, url
    finally:
        stopped = topology(state, "stop", "--drop", env=env)
        assert stopped.returncode == 0, stopped.stderr


def wait_for(condition, seconds: float) -> None:
    """Poll ``condition`` (real processes on the real clock) until it holds or time is up."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.5)


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


def test_two_scheduler_processes_send_each_mail_once_and_photos_live_in_the_bucket(tmp_path):
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    mail_settings = (
        "MAIL_SERVER=127.0.0.1", f"MAIL_PORT={smtp.port}", "MAIL_USE_TLS=false",
        "MAIL_FROM=Streakpot <no-reply@streakpot.test>",
    )  # fmt: skip
    try:
        with running_topology(tmp_path, *mail_settings) as (running, _, database_url):
            assert [p["name"] for p in running["processes"]].count("scheduler1") == 1
            ready = requests.get(running["proxy"] + "/readyz", timeout=10).json()
            assert ready["checks"]["object_store"] == {"status": "ok"}, ready
            engine = create_engine(database_url)
            prepare_engine(engine)
            try:
                with Session(engine) as session:
                    now = datetime.now(UTC)
                    for n in range(50):
                        mail.enqueue(
                            session, to=f"m{n}@example.test", kind="password_reset", subject=f"#{n}",
                            body_text="x", now=now,
                        )  # fmt: skip
                    session.commit()
                    photo_check_in(session, running)
                # both schedulers run the relay every minute, at the same moments
                wait_for(lambda: len(inbox.messages) >= 50, 100)
                time.sleep(2)  # a mail both schedulers had sent would have its second copy land by now
                with Session(engine) as session:
                    # the web nodes beat (they accept check-ins); the schedulers only stamp their node
                    roles = {(node, role) for node, role, _ in node_beats(session)}
                    assert {("web1", "web"), ("web2", "web")} <= roles
                    assert {role for _, role in roles} == {"web", "scheduler"}
                    assert session.scalar(select(func.count()).select_from(Heartbeat)) >= 1
            finally:
                engine.dispose()
    finally:
        smtp.stop()
    assert Counter(message["Subject"] for message in inbox.messages) == Counter(
        {f"#{n}": 1 for n in range(50)}
    )


def photo_check_in(session, running: dict) -> None:
    """A check-in with a photo through the proxy: stored in the bucket, served by both nodes."""
    owner = make_member(session)
    community = make_community(session)
    add_to_community(session, community, owner)
    today = datetime.now(UTC).date()
    challenge = make_challenge(
        session, community, timezone="UTC", start_date=today, days=2,
        window_open="00:00", window_close="23:59", requires_code_word=False,
    )  # fmt: skip
    enrollment = enrollment_row(session, challenge, owner)
    headers = auth_headers(session, owner)
    made = requests.post(
        f"{running['proxy']}/api/v1/enrollments/{enrollment.id}/checkins",
        files={"photo": ("p.png", io.BytesIO(images.png()), "image/png")},
        headers=headers,
        timeout=20,
    )
    assert made.status_code == 201, made.text
    client = s3.client_from_config(
        {"S3_ENDPOINT_URL": running["object_store"], "S3_REGION": "us-east-1",
         "S3_ACCESS_KEY_ID": "x", "S3_SECRET_ACCESS_KEY": "x"}
    )  # fmt: skip
    keys = [item["Key"] for item in client.list_objects_v2(Bucket="streakpot").get("Contents", [])]
    assert len(keys) == 1 and keys[0].startswith(f"{s3.PHOTOS_PREFIX}{challenge.id}/")
    for node in running["web"]:
        served = requests.get(
            f"{node}/api/v1/checkins/{made.json()['id']}/photo", headers=headers, timeout=20
        )
        assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
