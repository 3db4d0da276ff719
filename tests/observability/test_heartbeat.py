"""The outage excuse follows the web nodes' heartbeat (SPEC): a real outage excuses the day, a
stopped scheduler alone does not, and a node's beat is there for the metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from habits import scheduler
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import DaySettlement, Heartbeat
from habits.observability import heartbeat
from habits.services.health import node_beats
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment
from tests.settlement.helpers import assert_books_clean, money
from tests.timehelpers import travel

S = EnrollmentStatus


def _challenge(session):
    """Day 0's window is 05:00-07:00 local, due at 07:10; ``a`` checks in, ``b`` misses."""
    ch = make_challenge(session, days=2, deposit_minor=200, max_misses=1)
    with travel(at_local(ch, -1, "12:00")):
        a = make_enrollment(session, ch, status=S.ACTIVE)
        b = make_enrollment(session, ch, status=S.ACTIVE)
    make_checkin(session, a, 0)
    return ch, a, b


def web_node_beats(app, start: datetime, end: datetime, *, node: str = "web1") -> None:
    """The web node's heartbeat thread, run at each minute in [start, end) as its clock says."""
    app.config["NODE_NAME"] = node
    instant = start
    while instant < end:
        with travel(instant + timedelta(seconds=heartbeat.OFFSET_SECONDS)):
            assert heartbeat.beat(app, now=datetime.now(UTC))
        instant += timedelta(minutes=1)


def day_zero(session, ch) -> DaySettlement:
    return session.scalars(
        select(DaySettlement).where(DaySettlement.challenge_id == ch.id, DaySettlement.day_index == 0)
    ).one()


def test_no_process_beat_for_most_of_the_window_so_the_day_is_excused(app, session):
    ch, a, b = _challenge(session)
    # the web nodes served until 05:30, then every one of them was down until after the window
    web_node_beats(app, at_local(ch, 0, "04:00"), at_local(ch, 0, "05:30"))
    with travel(at_local(ch, 0, "07:10")):
        assert scheduler.run_settle_due_days(app) == {"settled": 1, "failed": 0}
    day = day_zero(session, ch)
    assert (day.status, day.outage_minutes) == ("excused", 90)
    assert money(session, b)["forfeited_minor"] == 0 and b.misses == 0  # members never pay for our outage
    assert_books_clean(session)


def test_a_stopped_scheduler_alone_excuses_nothing(app, session):
    ch, a, b = _challenge(session)
    # two web nodes took check-ins all morning (each for a part, overlapping), while the
    # scheduler was stopped from the evening before until 09:00
    web_node_beats(app, at_local(ch, 0, "04:00"), at_local(ch, 0, "06:00"), node="web1")
    web_node_beats(app, at_local(ch, 0, "05:30"), at_local(ch, 0, "09:00"), node="web2")
    with travel(at_local(ch, 0, "09:00")):
        assert scheduler.run_settle_due_days(app) == {"settled": 1, "failed": 0}
    day = day_zero(session, ch)
    assert (day.status, day.outage_minutes) == ("settled", 0)
    assert money(session, b)["forfeited_minor"] == 100 and b.misses == 1
    beats = {(node, role): at for node, role, at in node_beats(session)}
    assert set(beats) == {("web1", "web"), ("web2", "web"), (app.config["NODE_NAME"], "scheduler")}
    assert beats[("web2", "web")] == at_local(ch, 0, "08:59") + timedelta(seconds=heartbeat.OFFSET_SECONDS)
    assert_books_clean(session)


def test_minutes_before_the_first_heartbeat_ever_do_not_count(app, session):
    ch, a, b = _challenge(session)
    # installed (its first web node started) at 06:50, ten minutes before the window closed
    web_node_beats(app, at_local(ch, 0, "06:50"), at_local(ch, 0, "07:10"))
    with travel(at_local(ch, 0, "07:10")):
        scheduler.run_settle_due_days(app)
    assert (day_zero(session, ch).status, day_zero(session, ch).outage_minutes) == ("settled", 0)


def test_many_processes_beating_in_one_minute_write_one_minute(app, session):
    instant = datetime(2026, 5, 1, 6, 0, 2, tzinfo=UTC)
    with travel(instant):
        for node in ("web1", "web1", "web2"):
            app.config["NODE_NAME"] = node
            assert heartbeat.beat(app, now=datetime.now(UTC))
    assert session.scalars(select(Heartbeat.minute_at)).all() == [instant.replace(second=0)]
    assert [row[:2] for row in node_beats(session)] == [("web1", "web"), ("web2", "web")]


@pytest.mark.parametrize(
    ("now", "wait"),
    [
        (datetime(2026, 5, 1, 6, 0, 0, tzinfo=UTC), 62.0),
        (datetime(2026, 5, 1, 6, 0, 2, tzinfo=UTC), 60.0),
        (datetime(2026, 5, 1, 6, 0, 59, 500000, tzinfo=UTC), 2.5),
    ],
)
def test_the_thread_beats_just_after_each_minute_starts(now, wait):
    assert heartbeat.seconds_to_next_beat(now) == pytest.approx(wait)


def test_only_serving_processes_beat(app):
    assert heartbeat.should_beat(app) is False  # tests never start the thread
    assert "streakpot_heartbeat" not in app.extensions
    app.config["TESTING"] = False
    try:
        assert heartbeat.should_beat(app) is True  # gunicorn's workers: no click command around them
        runner = app.test_cli_runner()
        seen = {}

        @app.cli.command("probe-beat")
        def probe():
            seen["probe"] = heartbeat.should_beat(app)

        runner.invoke(args=["probe-beat"])
        assert seen == {"probe": False}  # `flask db upgrade`, `flask settle`...
    finally:
        app.config["TESTING"] = True
