"""Two scheduler processes at once (PostgreSQL, real concurrent transactions): a community's
refresh is claimed by one of them; the other skips it, and no episode is told twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from habits.models import CommunityDailyHealth, HealthRefresh
from habits.services.community_health import refresh
from tests.factories import make_community, make_member

pytestmark = pytest.mark.postgres


def test_two_schedulers_refresh_each_community_once(pg_engine):
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    with Session(pg_engine) as session:
        organizer = make_member(session)
        ids = [make_community(session, organizer, created_at=now - timedelta(days=5)).id for _ in range(4)]
    barrier = threading.Barrier(2)
    refreshed: list[list[int]] = []

    def scheduler() -> None:
        with Session(pg_engine) as session:
            barrier.wait()
            run = refresh.refresh_due(session, now=now, commit=session.commit)
            refreshed.append(run.refreshed)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everyone = sorted(refreshed[0] + refreshed[1])
    assert everyone == sorted(ids)  # each community once, by one scheduler or the other
    with Session(pg_engine) as session:
        assert session.scalar(select(func.count()).select_from(CommunityDailyHealth)) == 4 * 6
        states = session.scalars(select(HealthRefresh)).all()
        assert all(s.claimed_until is None and s.refreshed_at == now for s in states)
        # fresh now: the next run (a minute later) claims nothing
        assert (
            refresh.refresh_due(session, now=now + timedelta(minutes=1), commit=session.commit).refreshed
            == []
        )
