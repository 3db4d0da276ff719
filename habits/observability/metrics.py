"""The Prometheus metrics: what each process counts, and what a scrape reads from the database.

Counters and histograms are counted in the process that sees the event (a check-in, a request,
a settled day, a webhook). Under gunicorn every worker is its own process: with
``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn.conf.py sets it) each writes its values to files in
that folder and a scrape sums them (prometheus_client's multiprocess mode; the master's
``child_exit`` hook forgets a dead worker's live gauges). The gauges (overdue days, outbox
backlog, heartbeat age per node) are the database's state, read at scrape time, so every node
reports the same figures and nothing per process has to be kept for them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

#: seconds; check-ins aim at a p99 under 100 ms, so the buckets are finest there
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REQUEST_SECONDS = Histogram(
    "streakpot_request_duration_seconds",
    "Time to answer a request, by route (the endpoint, never the path) and status.",
    ["route", "status"],
    buckets=LATENCY_BUCKETS,
)
CHECKINS = Counter("streakpot_checkins", "Check-ins recorded, by where they came from.", ["source"])
SETTLEMENTS = Counter(
    "streakpot_settlements",
    "Units of the settlement sweep: days settled, days 0 opened or cancelled, units failed.",
    ["outcome"],
)
SETTLEMENT_SECONDS = Histogram(
    "streakpot_settlement_duration_seconds",
    "Time to settle one (challenge, day), its commit included.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
WEBHOOKS = Counter(
    "streakpot_webhooks",
    "Stripe webhooks by outcome (processed, ignored, duplicate, waiting, rejected, failed, bad).",
    ["status"],
)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _Forward(Collector):
    """The process's own metrics (one process: no multiprocess folder)."""

    def collect(self):
        return REGISTRY.collect()


class _StateCollector(Collector):
    def __init__(self, read: Callable[[], Iterable]):
        self.read = read

    def collect(self):
        return self.read()


def exposition(read_state: Callable[[], Iterable]) -> bytes:
    """One scrape: every process's counters and histograms, then the database's gauges."""
    registry = CollectorRegistry()
    folder = multiprocess_dir()
    if folder:
        MultiProcessCollector(registry, path=folder)
    else:
        registry.register(_Forward())
    registry.register(_StateCollector(read_state))
    return generate_latest(registry)
