"""The gauges a scrape reads from the database: the same figures whichever node is asked."""

from __future__ import annotations

from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.orm import Session

from habits.services import health


def state_metrics(session: Session, *, now: datetime) -> list[GaugeMetricFamily]:
    overdue = health.overdue_days(session, now=now)
    overdue_days = GaugeMetricFamily(
        "streakpot_overdue_days",
        "Units of settlement due and not done (days, and days 0 not opened); at least this many "
        "when more challenges are behind than /healthz scans.",
        value=overdue["overdue_days"],
    )
    backlog = GaugeMetricFamily(
        "streakpot_outbox_backlog",
        "Mails waiting in the outbox to be sent.",
        value=health.outbox_backlog(session),
    )
    ages = GaugeMetricFamily(
        "streakpot_heartbeat_age_seconds",
        "Seconds since each node last beat, by role (web: accepts check-ins; scheduler: sweeps).",
        labels=["node", "role"],
    )
    for node, role, beat_at in health.node_beats(session):
        ages.add_metric([node, role], max(0.0, (now - beat_at).total_seconds()))
    return [overdue_days, backlog, ages]
