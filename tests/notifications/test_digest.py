"""The daily e-mail digest: opt-in, through the outbox and its relay to a real SMTP server, from
08:00 in the member's zone, once a day, with List-Unsubscribe; what was told since the last one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from habits import scheduler
from habits.models import Member, NotificationDigest, OutboxMail
from habits.notify.digest_mail import compose_digest
from habits.services import mail
from habits.services.notifications import digest, notify
from habits.services.notifications.preferences import DIGEST_MAIL_KIND
from tests.api.helpers import auth_headers
from tests.factories import make_member
from tests.mail.helpers import body_text, deliver
from tests.timehelpers import local, travel

DAY = datetime(2026, 3, 2).date()
VERIFIED = datetime(2026, 1, 1, tzinfo=UTC)


def won(session, member, day: int, at: datetime):
    notify(
        session,
        recipient_id=member.id,
        kind="day_won",
        params={
            "challenge_id": 1,
            "challenge": "Dawn",
            "day_index": day,
            "currency": "CNY",
            "returned_minor": 1000,
            "won_minor": 35,
            "forfeited_minor": 0,
        },
        dedupe_key=f"test-won:{member.id}:{day}",
        now=at,
    )
    session.commit()


def reminded(session, member, at: datetime):
    notify(
        session,
        recipient_id=member.id,
        kind="reminder",
        params={
            "challenge": "Dawn",
            "day_index": 0,
            "enrollment_id": 1,
            "closes_time": "2026-03-01T23:00:00Z",
        },
        dedupe_key=f"test-reminder:{member.id}",
        now=at,
    )
    session.commit()


def digests_at(app, instant: datetime) -> dict:
    with travel(instant):
        return scheduler.run_daily_notices(app)


def test_a_member_who_asked_gets_one_digest_a_day_from_eight_in_their_zone(
    app, session, smtp_server, mail_settings
):
    member = make_member(
        session, locale="zh_Hans", timezone="Asia/Shanghai", email_digest=True, email_verified_at=VERIFIED
    )
    won(session, member, 0, local("Asia/Shanghai", DAY, "07:20"))
    reminded(session, member, local("Asia/Shanghai", DAY, "06:00"))
    assert digests_at(app, local("Asia/Shanghai", DAY, "07:59"))["digests"] == 0
    assert digests_at(app, local("Asia/Shanghai", DAY, "08:00"))["digests"] == 1
    assert digests_at(app, local("Asia/Shanghai", DAY, "20:00"))["digests"] == 0  # once a day
    with travel(local("Asia/Shanghai", DAY, "08:01")):
        deliver(app)
    (message,) = smtp_server.to(member.email)
    assert message["Subject"] == "你的 Streakpot 动态"
    assert message["List-Unsubscribe"].startswith("<http") and "/unsubscribe/" in message["List-Unsubscribe"]
    text = body_text(message)
    assert "“Dawn”第 1 天已结算" in text and "当天份额 ¥10.00 已退回你的钱包，你还赢得了 ¥0.35。" in text
    assert "2026年3月2日 07:20" in text  # when, in the member's zone
    assert "该打卡了" not in text  # reminders are pushed, never in the digest
    # the next day's digest tells only what is new since this one
    won(session, member, 1, local("Asia/Shanghai", DAY + timedelta(days=1), "07:20"))
    assert digests_at(app, local("Asia/Shanghai", DAY + timedelta(days=1), "09:00"))["digests"] == 1
    with travel(local("Asia/Shanghai", DAY + timedelta(days=1), "09:01")):
        deliver(app)
    latest = body_text(smtp_server.to(member.email)[-1])
    assert "第 2 天已结算" in latest and "第 1 天已结算" not in latest


def test_no_digest_for_those_who_did_not_ask_could_not_get_it_or_unsubscribed(app, session, mail_settings):
    unasked = make_member(session, email_verified_at=VERIFIED)
    unverified = make_member(session, email_digest=True)
    gone = make_member(session, email_digest=True, email_verified_at=VERIFIED)
    mail.opt_out(session, member_id=gone.id, kind=DIGEST_MAIL_KIND, now=VERIFIED)
    session.commit()
    at = local("UTC", DAY, "09:00")
    for member in (unasked, unverified, gone):
        won(session, member, 0, at - timedelta(hours=1))
    assert digests_at(app, at)["digests"] == 0
    assert session.scalar(select(func.count()).select_from(NotificationDigest)) == 0


def test_a_day_with_nothing_to_tell_sends_nothing(app, session, mail_settings):
    member = make_member(session, email_digest=True, email_verified_at=VERIFIED)
    assert digests_at(app, local("UTC", DAY, "09:00"))["digests"] == 0
    claimed = session.scalars(select(NotificationDigest.member_id)).all()
    assert claimed == [member.id]  # the day is claimed all the same: it is not looked at again


def test_asking_for_the_digest_again_undoes_an_unsubscribe(app, client, session, mail_settings):
    member = make_member(session, email_verified_at=VERIFIED)
    headers = auth_headers(session, member)
    mail.opt_out(session, member_id=member.id, kind=DIGEST_MAIL_KIND, now=VERIFIED)
    session.commit()
    response = client.patch("/api/v1/me", json={"email_digest": True}, headers=headers)
    assert response.status_code == 200 and response.get_json()["email_digest"] is True
    assert not mail.opted_out(session, member.id, DIGEST_MAIL_KIND)


@pytest.mark.postgres
def test_two_jobs_racing_write_each_digest_once(app, pg_engine):
    with Session(pg_engine) as session:
        ids = [make_member(session, email_digest=True, email_verified_at=VERIFIED).id for _ in range(10)]
        for member_id in ids:
            won(session, session.get(Member, member_id), 0, local("UTC", DAY, "07:00"))
    at = local("UTC", DAY, "09:00")
    barrier = threading.Barrier(2)
    errors = []

    def job():
        try:
            with app.app_context(), Session(pg_engine) as session:
                barrier.wait(timeout=20)
                digest.send_due_digests(session, composer=compose_digest, now=at, commit=session.commit)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with Session(pg_engine) as session:
        mails = session.execute(
            select(OutboxMail.member_id, func.count())
            .where(OutboxMail.kind == DIGEST_MAIL_KIND)
            .group_by(OutboxMail.member_id)
        ).all()
    assert sorted(mails) == sorted((member_id, 1) for member_id in ids)
