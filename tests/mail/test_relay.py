"""The relay sends queued mail to a real SMTP server (aiosmtpd), marks it sent, and retries
with backoff until it gives up; time moves with time-machine."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from habits.domain.retries import MAIL_RETRIES, RetryPolicy
from habits.mail.transports import LogTransport, SmtpTransport, transport_for
from habits.models import MailStatus, OutboxMail
from habits.services import mail
from habits.services.mail_relay import LEASE, RETENTION, claim_due, purge_delivered, record_sent, relay_due
from tests.mail.helpers import body_text, deliver, free_port
from tests.timehelpers import travel

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def queue(session, *, to="mei@example.test", subject="Hello", now=NOW, **extra) -> OutboxMail:
    queued = mail.enqueue(
        session,
        to=to,
        kind=extra.pop("kind", "password_reset"),
        subject=subject,
        body_text=extra.pop("body_text", "Plain words."),
        body_html=extra.pop("body_html", "<p>Plain words.</p>"),
        now=now,
        **extra,
    )
    session.commit()
    return queued


def reread(session, queued: OutboxMail) -> OutboxMail:
    session.expire_all()
    return session.get(OutboxMail, queued.id)


def test_the_relay_sends_to_the_mail_server_and_marks_the_mail_sent(app, session, smtp_server, mail_settings):
    queued = queue(session, subject="设置新的 Streakpot 密码", body_text="链接：https://x.test/a")
    with travel(NOW + timedelta(seconds=5)):
        assert deliver(app) == {"sent": 1, "retrying": 0, "failed": 0}
    (received,) = smtp_server.messages
    assert received["To"] == "mei@example.test" and received["Subject"] == "设置新的 Streakpot 密码"
    assert received["From"] == "Streakpot <no-reply@streakpot.test>"
    assert received["Message-ID"] == f"<outbox-{queued.id}.{int(NOW.timestamp())}@streakpot.test>"
    assert body_text(received).strip() == "链接：https://x.test/a"
    assert received.get_body(preferencelist=("html",)).get_content().strip() == "<p>Plain words.</p>"
    assert received["List-Unsubscribe"] is None  # transactional
    sent = reread(session, queued)
    assert (sent.status, sent.attempts, sent.sent_at, sent.claim_token) == (
        MailStatus.SENT,
        1,
        NOW + timedelta(seconds=5),
        None,
    )
    with travel(NOW + timedelta(minutes=1)):
        assert deliver(app) == {"sent": 0, "retrying": 0, "failed": 0}  # sent once, never again
    assert len(smtp_server.messages) == 1


def test_mail_not_due_yet_waits(session, smtp_server, mail_settings, app):
    queued = queue(session, now=NOW + timedelta(hours=1))
    sent = relay_due(session, transport_for(app.config), now=NOW, commit=session.commit)
    assert sent.claimed == [] and reread(session, queued).status is MailStatus.QUEUED


def test_a_failing_server_means_retries_with_backoff_then_failed(app, session, smtp_server, mail_settings):
    smtp_server.answer = "451 4.3.0 Try again later"
    queued = queue(session)
    at = NOW
    waits = []
    for attempt in range(1, MAIL_RETRIES.max_attempts + 1):
        with travel(at):
            outcome = deliver(app)
        row = reread(session, queued)
        assert row.attempts == attempt and "451" in row.last_error
        if attempt < MAIL_RETRIES.max_attempts:
            assert outcome["retrying"] == 1 and row.status is MailStatus.QUEUED
            waits.append(row.next_attempt_at - at)
            with travel(row.next_attempt_at - timedelta(seconds=1)):
                assert deliver(app)["retrying"] == 0  # not before its time
            at = row.next_attempt_at
        else:
            assert outcome["failed"] == 1 and row.status is MailStatus.FAILED
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 64)]
    with travel(at + timedelta(days=1)):
        assert deliver(app) == {"sent": 0, "retrying": 0, "failed": 0}  # given up for good
    assert smtp_server.messages == []


def test_a_server_that_recovers_gets_the_mail_on_the_next_attempt(app, session, smtp_server, mail_settings):
    smtp_server.answer = "421 4.3.2 Busy"
    queued = queue(session)
    with travel(NOW):
        deliver(app)
    smtp_server.answer = None
    with travel(reread(session, queued).next_attempt_at):
        assert deliver(app)["sent"] == 1
    row = reread(session, queued)
    assert row.status is MailStatus.SENT and row.attempts == 2 and len(smtp_server.messages) == 1


def test_a_permanent_refusal_fails_at_once(app, session, smtp_server, mail_settings):
    smtp_server.answer = "550 5.1.1 No such mailbox"
    queued = queue(session)
    with travel(NOW):
        assert deliver(app)["failed"] == 1
    row = reread(session, queued)
    assert row.status is MailStatus.FAILED and row.attempts == 1 and "550" in row.last_error


def test_no_server_at_all_is_a_retry_for_the_whole_batch(session, app):
    first, second = queue(session), queue(session, to="ben@example.test")
    transport = SmtpTransport(host="127.0.0.1", port=free_port(), sender="s@streakpot.test", timeout=2)
    result = relay_due(session, transport, now=NOW, commit=session.commit)
    assert sorted(result.retrying) == sorted([first.id, second.id])
    assert all(reread(session, m).status is MailStatus.QUEUED for m in (first, second))
    assert "cannot use the mail server" in reread(session, first).last_error


def test_mail_that_is_not_transactional_carries_one_click_list_unsubscribe(
    app, session, smtp_server, mail_settings
):
    url = "https://streakpot.example/unsubscribe/abc"
    queue(session, kind="test_news", transactional=False, list_unsubscribe=url)
    with travel(NOW):
        deliver(app)
    (received,) = smtp_server.messages
    assert received["List-Unsubscribe"] == f"<{url}>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_without_a_mail_server_the_demo_writes_mail_to_the_log(app, session, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    queued = queue(session, body_text="Your link: https://x.test/reset/abc")
    with caplog.at_level(logging.INFO, logger="habits.mail.transports"), travel(NOW):
        assert deliver(app)["sent"] == 1
    assert "https://x.test/reset/abc" in caplog.text and "mei@example.test" in caplog.text
    assert reread(session, queued).status is MailStatus.SENT


def test_production_without_a_mail_server_never_logs_a_body(caplog):
    transport = transport_for({"MAIL_SERVER": None, "STREAKPOT_ENV": "production"})
    assert isinstance(transport, LogTransport) and not transport.with_body


def test_a_claim_abandoned_past_its_lease_is_taken_over_and_the_old_claim_records_nothing(session):
    queued = queue(session)
    (first,) = claim_due(session, now=NOW)
    session.commit()
    assert claim_due(session, now=NOW + LEASE - timedelta(seconds=1)) == []  # still held
    (second,) = claim_due(session, now=NOW + LEASE)
    session.commit()
    assert second.id == queued.id and second.claim_token != first.claim_token and second.attempts == 2
    assert record_sent(session, first, now=NOW + LEASE) is False  # the first relay lost its claim
    assert record_sent(session, second, now=NOW + LEASE) is True
    assert reread(session, queued).status is MailStatus.SENT


def test_old_sent_mail_is_purged(session):
    old, recent = queue(session, now=NOW - RETENTION - timedelta(days=1)).id, queue(session).id
    for mail_ in claim_due(session, now=NOW):
        record_sent(session, mail_, now=NOW)
    assert purge_delivered(session, now=NOW) == 1
    session.expire_all()
    assert session.get(OutboxMail, old) is None and session.get(OutboxMail, recent) is not None


@pytest.mark.parametrize(("attempts", "wait"), [(1, 1), (2, 2), (3, 4), (7, 64), (40, 120)])
def test_backoff_doubles_up_to_its_cap(attempts, wait):
    policy = RetryPolicy(max_attempts=50, first_delay=timedelta(minutes=1), max_delay=timedelta(hours=2))
    assert policy.next_attempt_at(attempts, now=NOW) == NOW + timedelta(minutes=wait)
    assert policy.next_attempt_at(50, now=NOW) is None
