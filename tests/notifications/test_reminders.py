"""Reminders: so many minutes before the day's window closes, to each member who has not checked
in, once per enrollment and day, across daylight-saving changes and whatever zone the member
lives in; queued for push, never sent inline."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from habits import scheduler
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import ChallengeStatus, Notification, PushDelivery
from habits.notify.render import render_for
from habits.services.notifications.reminders import remind_due
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment, make_member
from tests.notifications.helpers import add_device, deliveries, told
from tests.timehelpers import travel

S = EnrollmentStatus


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def member_in(session, ch, *, minutes=30, zone="UTC", status=S.ACTIVE):
    member = make_member(session, timezone=zone, reminder_minutes_before_close=minutes)
    with travel(at_local(ch, -1, "12:00")):
        enrollment = make_enrollment(session, ch, member, status=status, funded=False)
    return member, enrollment


def running(session, **rules):
    ch = make_challenge(session, **rules)
    ch.status = ChallengeStatus.RUNNING
    session.commit()
    return ch


def reminded_days(session, member) -> list[int]:
    return [n.params["day_index"] for n in told(session, member.id, "reminder")]


def run(session, at: datetime) -> None:
    remind_due(session, now=at)
    session.commit()


@pytest.mark.parametrize(
    ("zone", "start", "window", "minutes", "closes"),
    [
        # Los Angeles springs forward on Sunday 2026-03-08: 07:00 is 15:00Z the day before, 14:00Z then
        (
            "America/Los_Angeles",
            date(2026, 3, 7),
            ("05:00", "07:00"),
            30,
            [utc(2026, 3, 7, 15), utc(2026, 3, 8, 14)],
        ),
        # ... and falls back on Sunday 2026-11-01: 14:00Z, then 15:00Z
        (
            "America/Los_Angeles",
            date(2026, 10, 31),
            ("05:00", "07:00"),
            30,
            [utc(2026, 10, 31, 14), utc(2026, 11, 1, 15)],
        ),
        # Berlin springs forward on 2026-03-29 (08:00 is 07:00Z, then 06:00Z) ...
        (
            "Europe/Berlin",
            date(2026, 3, 28),
            ("06:00", "08:00"),
            15,
            [utc(2026, 3, 28, 7), utc(2026, 3, 29, 6)],
        ),
        # ... and falls back on 2026-10-25 (06:00Z, then 07:00Z)
        (
            "Europe/Berlin",
            date(2026, 10, 24),
            ("06:00", "08:00"),
            15,
            [utc(2026, 10, 24, 6), utc(2026, 10, 25, 7)],
        ),
    ],
)
def test_a_reminder_comes_the_chosen_minutes_before_each_close_across_dst(
    session, zone, start, window, minutes, closes
):
    ch = running(
        session, timezone=zone, start_date=start, days=2, window_open=window[0], window_close=window[1]
    )
    here, _ = member_in(session, ch, minutes=minutes, zone=zone)
    # a member on the other side of the world is reminded at the same instants
    far, _ = member_in(session, ch, minutes=minutes, zone="Asia/Tokyo")
    for k, close in enumerate(closes):
        due = close - timedelta(minutes=minutes)
        run(session, due - timedelta(minutes=1))
        assert reminded_days(session, here) == list(range(k)), (zone, k, "a minute early")
        run(session, due)
        assert reminded_days(session, here) == reminded_days(session, far) == list(range(k + 1)), (zone, k)
        (note,) = [n for n in told(session, far.id, "reminder") if n.params["day_index"] == k]
        assert note.created_at == due


def test_the_reminder_reads_the_closing_time_on_the_members_own_clock(app, session):
    ch = running(session, timezone="America/Los_Angeles", start_date=date(2026, 3, 8), days=1)
    far, _ = member_in(session, ch, minutes=30, zone="Asia/Tokyo")
    far.locale = "zh_Hans"
    session.commit()
    run(session, utc(2026, 3, 8, 13, 30))  # 07:00 PDT is 14:00Z is 23:00 in Tokyo
    (note,) = told(session, far.id, "reminder")
    with app.app_context():
        text = render_for(note, far)
    assert (text.title, text.body) == ("该打卡了", f"“{ch.title}”第 1 天的打卡时间将在 23:00 截止。")


def test_once_per_day_however_often_the_job_runs_and_queued_for_each_device(session):
    ch = running(session, days=2)  # Asia/Shanghai, 05:00-07:00 from 2026-03-02
    member, enrollment = member_in(session, ch, minutes=60)
    phone, _ = add_device(session, member.id)
    laptop, _ = add_device(session, member.id)
    for hhmm in ("06:00", "06:00", "06:01", "06:30", "06:59"):
        run(session, at_local(ch, 0, hhmm))
    (note,) = told(session, member.id, "reminder")
    assert note.dedupe_key == f"reminder:{enrollment.id}:0"
    assert sorted(d.subscription_id for d in deliveries(session)) == sorted([phone.id, laptop.id])
    assert all(d.notification_id == note.id and d.status.value == "queued" for d in deliveries(session))
    run(session, at_local(ch, 1, "06:00"))  # the next day is another reminder
    assert reminded_days(session, member) == [0, 1]


def test_never_after_the_member_checked_in_nor_for_those_who_want_none(session):
    ch = running(session, days=1)
    done, done_enrollment = member_in(session, ch, minutes=60)
    make_checkin(session, done_enrollment, 0, at=at_local(ch, 0, "05:10"))
    quiet, _ = member_in(session, ch, minutes=None)
    out, _ = member_in(session, ch, minutes=60, status=S.ELIMINATED)
    waiting, _ = member_in(session, ch, minutes=60)
    run(session, at_local(ch, 0, "06:30"))
    assert [n.recipient_id for n in told(session, kind="reminder")] == [waiting.id]


def test_a_reminder_asked_for_before_the_window_opens_comes_when_it_opens(session):
    ch = running(session, days=1)  # 05:00-07:00
    early, _ = member_in(session, ch, minutes=600)
    run(session, at_local(ch, 0, "04:59"))
    assert reminded_days(session, early) == []
    run(session, at_local(ch, 0, "05:00"))
    assert reminded_days(session, early) == [0]
    run(session, at_local(ch, 0, "07:00"))  # closed: nothing more, nothing late
    assert reminded_days(session, early) == [0]


def test_the_scheduler_job_reminds_at_the_current_instant(app, session):
    ch = running(session, days=1)
    member, _ = member_in(session, ch, minutes=45)
    with travel(at_local(ch, 0, "06:15")):
        scheduler.run_reminders(app)
    assert reminded_days(session, member) == [0]


# -- two scheduler processes at once (PostgreSQL, real commits) ------------------------------------


@pytest.mark.postgres
def test_two_jobs_racing_remind_each_member_once(pg_engine):
    with Session(pg_engine) as session:
        ch = running(session, days=1)
        members = [member_in(session, ch, minutes=60)[0].id for _ in range(40)]
        for member_id in members[::2]:
            add_device(session, member_id)
        at = at_local(ch, 0, "06:30")
    barrier = threading.Barrier(2)
    errors = []

    def job():
        try:
            with Session(pg_engine) as session:
                barrier.wait(timeout=20)
                remind_due(session, now=at)
                session.commit()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with Session(pg_engine) as session:
        per_member = session.execute(
            select(Notification.recipient_id, func.count()).group_by(Notification.recipient_id)
        ).all()
        assert sorted(per_member) == sorted((member_id, 1) for member_id in members)
        assert session.scalar(select(func.count()).select_from(PushDelivery)) == 20
