"""The outbox: mail is a row of the use case's own transaction, written in the recipient's
language, and mail that is not transactional reaches only verified addresses that did not
unsubscribe."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from habits.mail import compose
from habits.mail.compose import MailKind, compose_mail, read_unsubscribe_token
from habits.models import MailStatus, OutboxMail
from habits.services import mail
from tests.factories import make_member

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def outbox_count(session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMail))


@pytest.fixture
def in_request(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture
def news_kind(monkeypatch):
    """A kind that is not transactional, for tests only (none exists yet): it borrows the
    verification mail's templates."""
    monkeypatch.setitem(
        compose.KINDS, "test_news", MailKind("Streakpot news", transactional=False, label="news")
    )
    original = compose.render_template
    monkeypatch.setattr(
        compose,
        "render_template",
        lambda name, **values: original(name.replace("test_news", "verify_email"), **values),
    )
    return "test_news"


def test_a_mail_is_queued_in_the_callers_transaction_and_a_rollback_leaves_none(session):
    before = outbox_count(session)
    mail.enqueue(session, to="a@example.test", kind="password_reset", subject="S", body_text="B", now=NOW)
    assert outbox_count(session) == before + 1  # flushed into the caller's transaction, not committed
    session.rollback()
    assert outbox_count(session) == before

    queued = mail.enqueue(
        session, to="a@example.test", kind="password_reset", subject="S", body_text="B", now=NOW
    )
    session.commit()
    assert (queued.status, queued.attempts, queued.next_attempt_at) == (MailStatus.QUEUED, 0, NOW)
    assert outbox_count(session) == before + 1


def test_mail_to_a_member_is_written_in_their_language(session, in_request):
    member = make_member(session, locale="zh_Hans", display_name="小明")
    queued = mail.mail_member(
        session, member, "verify_email", composer=compose_mail, now=NOW, token="t0k", days=7
    )
    assert queued.to_address == member.email and queued.locale == "zh_Hans"
    assert queued.subject == "确认你在 Streakpot 的邮箱地址"
    assert "小明，你好" in queued.body_text and "/verify-email/t0k" in queued.body_text
    assert "小明" in queued.body_html and queued.transactional and queued.list_unsubscribe is None


def test_mail_is_written_outside_a_request_too(app, session, monkeypatch):
    """A job (no request) writes mail with links to PUBLIC_URL."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://streakpot.example")
    with app.app_context():
        letter = compose_mail("password_reset", locale="zh_Hans", token="abc", minutes=60)
    assert "https://streakpot.example/password-reset/abc" in letter.body_text
    assert letter.subject == "设置新的 Streakpot 密码"


def test_links_never_come_from_the_host_header_when_public_url_is_set(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://streakpot.example")
    with app.test_request_context("/", base_url="http://attacker.example"):
        letter = compose_mail("password_reset", locale="en", token="abc", minutes=60)
    assert "attacker.example" not in letter.body_text + letter.body_html


def test_mail_that_is_not_transactional_needs_a_verified_address(session, in_request, news_kind):
    member = make_member(session)
    assert (
        mail.mail_member(session, member, news_kind, composer=compose_mail, now=NOW, token="x", days=7)
        is None
    )
    member.email_verified_at = NOW
    queued = mail.mail_member(session, member, news_kind, composer=compose_mail, now=NOW, token="x", days=7)
    assert queued is not None and not queued.transactional
    assert read_unsubscribe_token(queued.list_unsubscribe.rsplit("/", 1)[1]) == (member.id, news_kind)
    assert queued.list_unsubscribe in queued.body_html


def test_an_opt_out_stops_that_kind_only(session, in_request, news_kind):
    member = make_member(session, email_verified_at=NOW)
    mail.opt_out(session, member_id=member.id, kind=news_kind, now=NOW)
    mail.opt_out(session, member_id=member.id, kind=news_kind, now=NOW)  # a second click changes nothing
    assert (
        mail.mail_member(session, member, news_kind, composer=compose_mail, now=NOW, token="x", days=7)
        is None
    )
    # transactional mail still comes
    assert mail.mail_member(
        session, member, "verify_email", composer=compose_mail, now=NOW, token="x", days=7
    )


def test_mail_that_is_not_transactional_cannot_be_queued_without_its_unsubscribe_link(session):
    with pytest.raises(ValueError, match="unsubscribe"):
        mail.enqueue(
            session,
            to="a@example.test",
            kind="news",
            subject="S",
            body_text="B",
            transactional=False,
            now=NOW,
        )
