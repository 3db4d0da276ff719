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
"""

from __future__ import annotations

import gc

from gunicorn_worker import child_exit, pre_fork  # noqa: F401  (master hooks, by name)

workers = 2
threads = 4
worker_class = "gunicorn_worker.BalancingWorker"
backlog = 2048
keepalive = 5
accesslog = None


def post_worker_init(worker):
    """Freeze what the app allocated at start-up out of the cyclic garbage collector's sight.

    Flask, SQLAlchemy, marshmallow and the OpenAPI spec leave about 150,000 long-lived objects;
    every full collection walks them all, an 80 ms pause on the benchmark machine that lands on
    whichever requests are in flight (the p99). Frozen, they are never walked again.
    """
    gc.collect()
    gc.freeze()
