"""The organizers' alert: two consecutive dates below the threshold, told once per episode, by
the scheduler's job (time-machine moves the clock)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from habits import scheduler
from habits.models import HealthAlert, Notification, OutboxMail
from habits.services.community_health import alerts
from tests.health import scenario
from tests.timehelpers import travel


def told(session, community_id: int) -> tuple[int, int, int]:
    alerts_ = session.scalar(select(func.count()).where(HealthAlert.community_id == community_id))
    notes = session.scalar(select(func.count()).where(Notification.kind == "health_alert"))
    mails = session.scalar(select(func.count()).where(OutboxMail.kind == "health_alert"))
    return alerts_, notes, mails


def run_at(app, instant) -> dict:
    with travel(instant):
        return scheduler.run_community_health(app)


def test_one_date_below_is_not_an_alert_two_are_and_each_episode_is_told_once(app, session):
    world = scenario.build(session)
    world.community.health_alert_bps = 3000  # 30 %
    session.commit()
    c = world.community.id
    # 03-01 (0 of 3) is over, 03-02 is not: one date below so far
    assert run_at(app, scenario.at(2, "12:00"))["refreshed"] == 1
    assert told(session, c) == (0, 0, 0)
    # 03-02 (1 of 4) is over too: two dates running -> told, once
    later = scenario.at(3, "12:00")
    assert run_at(app, later) == {"refreshed": 1, "alerted": 1}
    assert told(session, c) == (1, 1, 1)
    note = session.scalar(select(Notification).where(Notification.kind == "health_alert"))
    assert note.recipient_id == world.org.id and note.params["since"] == "2026-03-01"
    mail = session.scalar(select(OutboxMail).where(OutboxMail.kind == "health_alert"))
    assert "30%" in mail.body_text and f"/communities/{c}/health" in mail.body_text
    # another scheduler (or the next run) after the refresh interval: the same episode, nothing new
    assert run_at(app, later + timedelta(minutes=10))["alerted"] == 0
    # 03-03 is above (2 of 5); 03-05 and 03-06 below again (0 of 4): a new episode, told once
    assert run_at(app, scenario.at(5, "12:00"))["alerted"] == 0
    assert run_at(app, scenario.at(6, "12:00"))["alerted"] == 0  # only 03-05 is over
    assert run_at(app, scenario.at(7, "12:00"))["alerted"] == 1
    assert run_at(app, scenario.at(7, "12:30"))["alerted"] == 0
    assert told(session, c) == (2, 2, 2)


def test_no_threshold_no_alert_and_a_claimed_community_is_left_alone(app, session):
    world = scenario.build(session)
    assert run_at(app, scenario.at(7, "12:00"))["alerted"] == 0
    assert told(session, world.community.id) == (0, 0, 0)
    # fresh figures (refreshed within REFRESH_EVERY) are not claimed again
    assert run_at(app, scenario.at(7, "12:01"))["refreshed"] == 0


def test_thresholds_read_as_people_write_them():
    assert [alerts.percent(bps) for bps in (500, 750, 7000, 1)] == ["5", "7.5", "70", "0.01"]
