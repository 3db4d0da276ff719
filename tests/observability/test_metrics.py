"""/metrics: never public (404 without METRICS_TOKEN, 401 without the token), and a scrape shows
what each process counted and the database's gauges; under gunicorn, every worker's counts."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from habits import scheduler
from habits.observability import heartbeat
from tests.factories import at_local
from tests.observability.test_heartbeat import _challenge as due_challenge
from tests.timehelpers import travel

TOKEN = "metrics-token-for-the-tests"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def metrics_token(app):
    app.config["METRICS_TOKEN"] = TOKEN
    yield {"Authorization": f"Bearer {TOKEN}"}
    app.config["METRICS_TOKEN"] = None


def scrape(client, headers) -> dict:
    """{(name, labels as a sorted tuple): value} of every sample."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/plain"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def test_without_a_token_there_are_no_metrics(client):
    assert client.get("/metrics").status_code == 404


def test_a_wrong_or_missing_token_is_refused(client, metrics_token):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 401


def test_a_check_in_counts_and_its_latency_is_observed_by_route(client, world, metrics_token):
    key = ("streakpot_checkins_total", (("source", "api"),))
    latency = (
        "streakpot_request_duration_seconds_count",
        (("route", "checkins.create_checkin"), ("status", "201")),
    )
    before = scrape(client, metrics_token)
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(
            f"/api/v1/enrollments/{world.owner_enrollment.id}/checkins", json={}, headers=world.as_("owner")
        )
    assert response.status_code == 201
    after = scrape(client, metrics_token)
    assert after[key] == before.get(key, 0) + 1
    assert after[latency] == before.get(latency, 0) + 1


def test_settlements_webhooks_and_the_database_gauges(app, client, session, metrics_token):
    ch, _, _ = due_challenge(session)
    with travel(at_local(ch, 1, "08:00")):
        gauges = scrape(client, metrics_token)
        assert gauges[("streakpot_overdue_days", ())] == 3  # day 0's opening, days 0 and 1
        before = gauges
        scheduler.run_settle_due_days(app)
        app.config["NODE_NAME"] = "web1"
        heartbeat.beat(app, now=at_local(ch, 1, "07:59"))
        after = scrape(client, metrics_token)
    settled = ("streakpot_settlements_total", (("outcome", "settled"),))
    seconds = ("streakpot_settlement_duration_seconds_count", ())
    assert after[settled] == before.get(settled, 0) + 2
    assert after[seconds] == before.get(seconds, 0) + 2
    assert after[("streakpot_overdue_days", ())] == 0
    assert after[("streakpot_heartbeat_age_seconds", (("node", "web1"), ("role", "web")))] == 60
    assert ("streakpot_outbox_backlog", ()) in after

    bad = ("streakpot_webhooks_total", (("status", "bad"),))
    client.post("/webhooks/stripe", data=b"{}", headers={"Stripe-Signature": "t=1,v1=00"})
    assert scrape(client, metrics_token)[bad] == after.get(bad, 0) + 1


MULTIPROCESS_SCRIPT = textwrap.dedent(
    """
    import multiprocessing
    from habits.observability.metrics import CHECKINS, REQUEST_SECONDS, exposition

    def worker():
        CHECKINS.labels(source="api").inc()
        REQUEST_SECONDS.labels(route="checkins.create_checkin", status="201").observe(0.02)

    if __name__ == "__main__":
        processes = [multiprocessing.get_context("fork").Process(target=worker) for _ in range(2)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        print(exposition(lambda: []).decode())
    """
)


def test_under_gunicorn_a_scrape_sums_every_worker(tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    script = tmp_path / "workers.py"
    script.write_text(MULTIPROCESS_SCRIPT)
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(result.stdout)
        for sample in family.samples
    }
    assert samples[("streakpot_checkins_total", (("source", "api"),))] == 2
    count = (
        "streakpot_request_duration_seconds_count",
        (("route", "checkins.create_checkin"), ("status", "201")),
    )
    assert samples[count] == 2
    assert list(folder.glob("*.db"))  # the workers' values lived in the folder, not in memory


def test_gunicorn_forgets_a_dead_worker_and_keeps_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    config = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), config)  # noqa: S102  (the file gunicorn reads)
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    (tmp_path / "counter_4242.db").write_bytes(b"")

    class Worker:
        pid, age = 4242, 1

    config["child_exit"](None, Worker())
    assert [p.name for p in tmp_path.iterdir()] == ["counter_4242.db"]  # counts survive their worker
    config["on_starting"](None)
    assert list(tmp_path.iterdir()) == []  # a new server starts from zero
