"""The scheduler edge: job list, where it starts, the job itself, `flask settle`, /healthz."""

from __future__ import annotations

import importlib
from datetime import UTC

import pytest
from sqlalchemy import select

from habits import scheduler
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import DaySettlement, Heartbeat, NodeHeartbeat
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment
from tests.settlement.helpers import assert_books_clean
from tests.timehelpers import travel


def test_every_job_points_at_an_importable_callable():
    assert scheduler.JOBS
    for job in scheduler.JOBS:
        module, _, name = job.func.partition(":")
        assert callable(getattr(importlib.import_module(module), name))
        assert job.seconds == 60


def test_jobs_are_scheduled_to_run_at_start_and_never_overlap(app):
    built = scheduler.build_scheduler(app)
    built.start(paused=True)  # job defaults apply once the scheduler starts; paused runs nothing
    try:
        jobs = built.get_jobs()
    finally:
        built.shutdown(wait=False)
    assert [job.id for job in jobs] == [job.id for job in scheduler.JOBS]
    assert all(job.max_instances == 1 and job.coalesce and job.misfire_grace_time is None for job in jobs)


class _App:
    def __init__(self, mode="in-process", testing=False, debug=False):
        self.config = {"SCHEDULER_MODE": mode, "TESTING": testing}
        self.debug = debug


@pytest.mark.parametrize(
    ("app_", "reloader_child", "starts"),
    [
        (_App(), False, True),
        (_App(mode="off"), False, False),
        (_App(testing=True), False, False),
        (_App(debug=True), False, False),  # the reloader's watcher process
        (_App(debug=True), True, True),  # the reloader's serving child
    ],
)
def test_in_process_scheduler_starts_only_where_it_should(monkeypatch, app_, reloader_child, starts):
    if reloader_child:
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    else:
        monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert scheduler.should_start_in_process(app_) is starts


def test_the_test_app_started_no_scheduler(app):
    assert "streakpot_scheduler" not in app.extensions


def _due_challenge(session):
    ch = make_challenge(session, days=2, deposit_minor=200, max_misses=0)
    with travel(at_local(ch, -1, "12:00")):
        a = make_enrollment(session, ch, status=EnrollmentStatus.ACTIVE)
        make_enrollment(session, ch, status=EnrollmentStatus.ACTIVE)
    make_checkin(session, a, 0)
    return ch


def test_the_job_settles_what_is_due_and_stamps_its_node_never_the_minute(app, session):
    ch = _due_challenge(session)
    instant = at_local(ch, 0, "07:10").replace(second=30)
    with travel(instant):
        assert scheduler.run_settle_due_days(app) == {"settled": 1, "failed": 0}
        beat = session.scalars(select(NodeHeartbeat)).one()
        assert (beat.role, beat.settled_days) == ("scheduler", 1)
        assert scheduler.run_settle_due_days(app) == {"settled": 0, "failed": 0}
    session.refresh(beat)
    assert beat.settled_days == 0 and beat.beat_at.replace(microsecond=0) == instant
    # only processes that accept check-ins mark a minute as served (SPEC: the outage excuse)
    assert session.scalars(select(Heartbeat)).all() == []
    assert session.scalars(
        select(DaySettlement.day_index).where(DaySettlement.challenge_id == ch.id)
    ).all() == [0]
    assert_books_clean(session)


def test_settle_command_settles_as_of_an_instant_once(app, session):
    ch = _due_challenge(session)
    runner = app.test_cli_runner()
    as_of = at_local(ch, 1, "07:10").isoformat().replace("+00:00", "Z")
    first = runner.invoke(args=["settle", "--as-of", as_of])
    assert first.exit_code == 0, first.output
    assert "day 0 settled" in first.output and "day 1 settled" in first.output
    again = runner.invoke(args=["settle", "--as-of", as_of])
    assert again.exit_code == 0 and "settled 0 day(s)" in again.output
    assert_books_clean(session)


@pytest.mark.parametrize("bad", ["yesterday", "2026-03-02T07:00:00", "2999-01-01T00:00:00Z"])
def test_settle_command_refuses_a_bad_or_future_instant(app, bad):
    result = app.test_cli_runner().invoke(args=["settle", "--as-of", bad])
    assert result.exit_code == 2
    assert "--as-of" in result.output or "RFC 3339" in result.output or "offset" in result.output


def test_healthz_shows_the_last_sweep_and_the_days_overdue(app, session, client):
    ch = _due_challenge(session)
    with travel(at_local(ch, 1, "08:00")):
        body = client.get("/healthz").get_json()["scheduler"]
        assert body["last_sweep_at"] is None
        # day 0's opening and days 0 and 1 are all behind
        assert body["overdue_days"] == 3
        scheduler.run_settle_due_days(app)
        body = client.get("/healthz").get_json()["scheduler"]
    assert body["overdue_days"] == 0 and body["overdue_since"] is None
    assert body["last_sweep_at"] == "2026-03-03T00:00:00Z"  # day 1, 08:00 in Shanghai
    assert body["last_sweep_settled_days"] == 2


def test_healthz_counts_every_day_a_stalled_challenge_is_behind(app, session, client):
    ch = make_challenge(session, days=7)
    with travel(at_local(ch, -1, "12:00")):
        make_enrollment(session, ch, status=EnrollmentStatus.ACTIVE)
    from habits.services.settlement import settle_due_days

    settle_due_days(session, now=at_local(ch, 0, "05:00"), commit=session.commit)  # opens day 0 only
    with travel(at_local(ch, 4, "07:09")):
        body = client.get("/healthz").get_json()["scheduler"]
    # days 0, 1, 2, 3 are due; day 4 is due at 07:10
    assert body["overdue_days"] == 4
    assert body["overdue_since"] == at_local(ch, 0, "07:10").astimezone(UTC).isoformat().replace(
        "+00:00", "Z"
    )


@pytest.mark.parametrize(("command", "starts"), [("run", True), ("upgrade", False), ("seed-demo", False)])
def test_under_the_flask_cli_only_run_starts_the_scheduler(monkeypatch, command, starts):
    import click

    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    with click.Context(click.Command(command), info_name=command):
        assert scheduler.should_start_in_process(_App()) is starts
