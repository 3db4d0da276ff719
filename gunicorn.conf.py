"""Gunicorn settings recommended for Streakpot's web processes (measured in docs/benchmarks.md).

gunicorn reads this file by itself when started from the project's directory (and puts that
directory on the import path first, so ``gunicorn_worker`` beside this file is found):

    gunicorn --bind 0.0.0.0:8000 'app:create_app()'

For a 2-vCPU machine that also runs PostgreSQL: two worker processes (one per core; the GIL
makes more threads in one process no faster), four threads each (a thread waiting on the
database or Redis lets another one run), gthread so keep-alive connections from phones are
cheap, and connections spread evenly over the workers (gunicorn_worker.py, beside this file).
Scale ``workers`` with cores, not threads. Production also sets
STREAKPOT_RATELIMIT_STORAGE_URI=redis://... so rate limits hold across workers.

Metrics: each worker is its own process, so prometheus_client runs in multiprocess mode, its
values in files under PROMETHEUS_MULTIPROC_DIR (a fresh temporary folder unless given; a given
one is emptied at start, as prometheus_client asks). It must be set before prometheus_client is
first imported, hence here, before anything else. Never ``preload_app``: each worker starts its
own heartbeat thread (habits/observability/heartbeat.py) and threads do not survive a fork.
"""

from __future__ import annotations

import gc
import os
import tempfile
from pathlib import Path

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="streakpot-metrics-")

from prometheus_client import multiprocess  # noqa: E402  (after the folder is chosen)

import gunicorn_worker  # noqa: E402
from gunicorn_worker import pre_fork  # noqa: E402, F401  (a master hook, by name)

workers = 2
threads = 4
worker_class = "gunicorn_worker.BalancingWorker"
backlog = 2048
keepalive = 5
accesslog = None


def on_starting(server):
    """Master hook: a restarted server starts its counters from zero, not from a dead run's files."""
    for leftover in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        leftover.unlink()


def child_exit(server, worker):
    """Master hook: a worker is gone: its slot on the balancing board, and its live gauges."""
    gunicorn_worker.child_exit(server, worker)
    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Freeze what the app allocated at start-up out of the cyclic garbage collector's sight.

    Flask, SQLAlchemy, marshmallow and the OpenAPI spec leave about 150,000 long-lived objects;
    every full collection walks them all, an 80 ms pause on the benchmark machine that lands on
    whichever requests are in flight (the p99). Frozen, they are never walked again.
    """
    gc.collect()
    gc.freeze()
