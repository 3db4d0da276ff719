"""Two scheduler processes at once, on PostgreSQL with real commits: every job of habits/scheduler.py
claims its work in the database, so nothing is sent or done twice.

Each "process" is an app of its own (its own engine, connections and sessions), running the very
job function the scheduler runs, both released together at a barrier. What comes out is counted
where it lands: mail on a local SMTP server, pushes on a local push service, rows in the tables.
(tests/deploy/test_topology.py runs two real `flask scheduler run` processes too.)
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import create_app
from habits import scheduler
from habits.domain.lifecycle import EnrollmentStatus
from habits.extensions import db
from habits.models import ChallengeStatus, DaySettlement, Member, Notification, OutboxMail, PushDelivery
from habits.services import mail
from habits.services.notifications import notify
from habits.services.notifications.preferences import DIGEST_MAIL_KIND
from tests.conftest import TEST_DATABASE_URL, test_settings
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment, make_member
from tests.mail.conftest import smtp_server  # noqa: F401  (the fixture, shared)
from tests.mail.helpers import smtp_settings
from tests.notifications.helpers import add_device
from tests.notifications.push_service import PushService
from tests.settlement.helpers import assert_books_clean
from tests.timehelpers import local, travel

pytestmark = pytest.mark.postgres
S = EnrollmentStatus
PROCESSES = 2
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VERIFIED = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def push_service(tmp_path, monkeypatch):
    with PushService(tmp_path) as service:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(service.cert_path))
        yield service


@pytest.fixture
def schedulers(pg_engine, tmp_path, smtp_server):  # noqa: F811
    """Two apps as two scheduler processes would build them, sending to the test servers."""
    settings = {**smtp_settings(smtp_server.port), "OUTBOUND_URLS_ALLOW_LOOPBACK": True}
    apps = [
        create_app({**test_settings(TEST_DATABASE_URL, tmp_path / f"scheduler{n}"), **settings})
        for n in range(PROCESSES)
    ]
    yield apps
    for each in apps:
        with each.app_context():
            db.engine.dispose()


def at_once(job, apps, at: datetime) -> list:
    """Run ``job(app)`` for every app in its own thread, released together, at instant ``at``."""
    barrier = threading.Barrier(len(apps))
    results, errors = [], []

    def run(each):
        try:
            barrier.wait(timeout=20)
            results.append(job(each))
        except Exception as exc:  # reported below
            errors.append(exc)

    with travel(at):
        threads = [threading.Thread(target=run, args=(each,)) for each in apps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert errors == []
    return results


def running(session, **rules):
    ch = make_challenge(session, **rules)
    ch.status = ChallengeStatus.RUNNING
    session.commit()
    return ch


def test_the_mail_relay_sends_every_mail_once(pg_engine, schedulers, smtp_server):  # noqa: F811
    with Session(pg_engine) as session:
        for n in range(3 * 20 + 5):  # several batches each
            mail.enqueue(
                session,
                to=f"m{n}@example.test",
                kind="password_reset",
                subject=f"#{n}",
                body_text="x",
                now=NOW,
            )
        session.commit()
    totals = at_once(scheduler.run_mail_relay, schedulers, NOW)
    subjects = Counter(message["Subject"] for message in smtp_server.messages)
    assert subjects == Counter({f"#{n}": 1 for n in range(65)})
    assert sum(t["sent"] for t in totals) == 65


def test_reminders_are_recorded_and_queued_once(pg_engine, schedulers):
    with Session(pg_engine) as session:
        ch = running(session, days=1)
        members = []
        for _ in range(30):
            member = make_member(session, reminder_minutes_before_close=60)
            with travel(at_local(ch, -1, "12:00")):
                make_enrollment(session, ch, member, status=S.ACTIVE, funded=False)
            add_device(session, member.id)
            members.append(member.id)
        session.commit()
        at = at_local(ch, 0, "06:30")
    at_once(scheduler.run_reminders, schedulers, at)
    with Session(pg_engine) as session:
        per_member = session.execute(
            select(Notification.recipient_id, func.count())
            .where(Notification.kind == "reminder")
            .group_by(Notification.recipient_id)
        ).all()
        assert sorted(per_member) == sorted((member_id, 1) for member_id in members)
        assert session.scalar(select(func.count()).select_from(PushDelivery)) == 30


def test_the_push_relay_pushes_every_delivery_once(pg_engine, schedulers, push_service):
    with Session(pg_engine) as session:
        expected = []
        for n in range(120):  # more than one relay batch
            member = make_member(session)
            add_device(session, member.id, endpoint=push_service.endpoint(f"device{n}"))
            notify(
                session,
                recipient_id=member.id,
                kind="payout_approved",
                params={
                    "payout_id": n,
                    "amount_minor": 100,
                    "currency": "CNY",
                    "reason": "",
                    "reference": "",
                },
                dedupe_key=f"two-schedulers:{n}",
                now=NOW,
            )
            expected.append(f"device{n}")
        session.commit()
    totals = at_once(scheduler.run_push_relay, schedulers, NOW)
    received = Counter(request.path.rsplit("/", 1)[-1] for request in push_service.received)
    assert received == Counter(dict.fromkeys(expected, 1))
    assert sum(t["sent"] for t in totals) == 120


def test_the_daily_notices_tell_once_and_write_one_digest_each(pg_engine, schedulers):
    with Session(pg_engine) as session:
        ch = make_challenge(session, start_date=NOW.date().replace(day=3), timezone="UTC")
        with travel(at_local(ch, -2, "12:00")):
            starting = [make_enrollment(session, ch, status=S.ACTIVE).member_id for _ in range(20)]
        readers = [make_member(session, email_digest=True, email_verified_at=VERIFIED).id for _ in range(20)]
        for member_id in readers:
            notify(
                session,
                recipient_id=member_id,
                kind="payout_approved",
                params={
                    "payout_id": 1,
                    "amount_minor": 100,
                    "currency": "CNY",
                    "reason": "",
                    "reference": "",
                },
                dedupe_key=f"digest-news:{member_id}",
                now=local("UTC", NOW.date(), "07:00"),
            )
        session.commit()
        at = at_local(ch, -1, "09:30")
    at_once(scheduler.run_daily_notices, schedulers, at)
    with Session(pg_engine) as session:
        told = session.execute(
            select(Notification.recipient_id, func.count())
            .where(Notification.kind == "challenge_starts_tomorrow")
            .group_by(Notification.recipient_id)
        ).all()
        assert sorted(told) == sorted((member_id, 1) for member_id in starting)
        digests = session.execute(
            select(OutboxMail.member_id, func.count())
            .where(OutboxMail.kind == DIGEST_MAIL_KIND)
            .group_by(OutboxMail.member_id)
        ).all()
        assert sorted(digests) == sorted((member_id, 1) for member_id in readers)
        assert session.scalar(select(func.count()).select_from(Member)) >= 40


def test_the_sweep_settles_each_day_once(pg_engine, schedulers):
    with Session(pg_engine) as session:
        ch = make_challenge(session, days=3, deposit_minor=200, max_misses=1)
        with travel(at_local(ch, -1, "12:00")):
            enrollments = [make_enrollment(session, ch, status=S.ACTIVE) for _ in range(6)]
        for n, enrollment in enumerate(enrollments):
            for day in range(3):
                if (n + day) % 3:
                    make_checkin(session, enrollment, day, at=at_local(ch, day, "05:30"))
        session.commit()
        challenge_id, at = ch.id, at_local(ch, 2, "07:10")
    results = at_once(scheduler.run_settle_due_days, schedulers, at)
    assert sum(result["settled"] for result in results) == 3
    assert all(result["failed"] == 0 for result in results)
    with Session(pg_engine) as session:
        days = session.scalars(
            select(DaySettlement.day_index).where(DaySettlement.challenge_id == challenge_id)
        ).all()
        assert sorted(days) == [0, 1, 2]
        assert_books_clean(session)
