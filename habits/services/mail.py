"""Telling people by e-mail: mail is queued in the outbox, in the caller's transaction.

A use case that has something to say calls ``mail_member`` (or ``enqueue`` for an address that
is no member's): the mail is a row of ``outbox_mails`` added to the use case's own session, so
it exists exactly when the use case's work is committed. Nothing is sent here; the relay
(``habits.services.mail_relay``, a scheduler job) sends it, with retries.

Mail is written by a ``Composer`` the edge hands in (``habits.mail.compose.compose_mail``: the
templates in templates/mail/, in the recipient's language), as a payment gateway is handed in.

To add a kind of mail: its templates (templates/mail/<kind>.txt and .html) and a line in
``habits.mail.compose.KINDS`` (subject; transactional or not), then call ``mail_member`` from the
use case. A kind that is not transactional (a digest, news) goes only to verified addresses
that did not unsubscribe from it, and carries a List-Unsubscribe link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habits.models import MailOptOut, MailStatus, Member, OutboxMail
from habits.services.members import can_receive_non_transactional


@dataclass(frozen=True)
class Letter:
    """A mail as written, before it is queued."""

    subject: str
    body_text: str
    body_html: str | None = None
    transactional: bool = True
    #: where one click unsubscribes (required when not transactional)
    list_unsubscribe: str | None = None


class Composer(Protocol):
    def __call__(self, kind: str, *, locale: str, member_id: int | None = None, **context) -> Letter:
        """Write the mail ``kind`` in ``locale`` from ``context`` (a non-transactional kind gets
        the unsubscribe link of ``member_id``)."""


def enqueue(
    session: Session,
    *,
    to: str,
    kind: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    transactional: bool = True,
    list_unsubscribe: str | None = None,
    member_id: int | None = None,
    locale: str = "en",
    now: datetime,
) -> OutboxMail:
    """Queue one mail in the caller's transaction; the relay sends it from ``now`` on."""
    if not transactional and not list_unsubscribe:
        raise ValueError(f"mail {kind!r} is not transactional: it needs its unsubscribe link")
    mail = OutboxMail(
        kind=kind,
        to_address=to,
        member_id=member_id,
        locale=locale,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        transactional=transactional,
        list_unsubscribe=None if transactional else list_unsubscribe,
        status=MailStatus.QUEUED,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(mail)
    session.flush()
    return mail


def mail_member(
    session: Session, member: Member, kind: str, *, composer: Composer, now: datetime, **context
) -> OutboxMail | None:
    """Write ``kind`` for ``member`` in their language and queue it to their address.

    None (nothing queued) for a kind that is not transactional when the member may not get it:
    an address not verified yet, or a kind they unsubscribed from."""
    letter = composer(kind, locale=member.locale, member_id=member.id, member=member, **context)
    if not letter.transactional and not may_receive(session, member, kind):
        return None
    return enqueue(
        session,
        to=member.email,
        kind=kind,
        subject=letter.subject,
        body_text=letter.body_text,
        body_html=letter.body_html,
        transactional=letter.transactional,
        list_unsubscribe=letter.list_unsubscribe,
        member_id=member.id,
        locale=member.locale,
        now=now,
    )


def may_receive(session: Session, member: Member, kind: str) -> bool:
    """Whether ``member`` may get mail of a kind that is not transactional."""
    return can_receive_non_transactional(member) and not opted_out(session, member.id, kind)


def opted_out(session: Session, member_id: int, kind: str) -> bool:
    return (
        session.scalar(
            select(MailOptOut.member_id).where(MailOptOut.member_id == member_id, MailOptOut.kind == kind)
        )
        is not None
    )


def opt_out(session: Session, *, member_id: int, kind: str, now: datetime) -> None:
    """Stop ``kind`` for the member (idempotent: a second click changes nothing)."""
    if session.get(Member, member_id) is None:
        return
    values = {"member_id": member_id, "kind": kind, "created_at": now}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(MailOptOut).values(**values).on_conflict_do_nothing(index_elements=["member_id", "kind"])
    )
    session.flush()


def latest(session: Session, *, limit: int = 50) -> list[OutboxMail]:
    """The newest mail first (the demo's mail page)."""
    return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)))
