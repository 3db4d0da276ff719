"""Several relays at once, on PostgreSQL with real commits: every mail is sent exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from habits.mail.transports import SmtpTransport
from habits.services import mail
from habits.services.mail_relay import claim_due, relay_due

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def queue_many(pg_engine, n: int) -> list[int]:
    with Session(pg_engine) as session:
        ids = [
            mail.enqueue(
                session,
                to=f"m{i}@example.test",
                kind="password_reset",
                subject=f"#{i}",
                body_text="x",
                now=NOW,
            ).id
            for i in range(n)
        ]
        session.commit()
    return ids


class SlowRecorder:
    """A transport that records each send, and waits at a barrier on its first one, so every
    relay is mid-batch, holding its claim, while the others claim theirs."""

    def __init__(self, barrier: threading.Barrier):
        self.barrier = barrier
        self.sent: list[int] = []
        self.lock = threading.Lock()

    @contextmanager
    def connect(self):
        waited = threading.local()

        def send(outgoing):
            if not getattr(waited, "done", False):
                waited.done = True
                try:
                    self.barrier.wait(timeout=20)
                except threading.BrokenBarrierError:
                    pass
            with self.lock:
                self.sent.append(outgoing.id)

        yield send


def test_a_mail_claimed_by_one_relay_is_skipped_by_another(pg_engine):
    ids = queue_many(pg_engine, 4)
    with Session(pg_engine) as first, Session(pg_engine) as second:
        mine = claim_due(first, now=NOW, limit=2)  # not committed: its rows stay locked
        theirs = claim_due(second, now=NOW, limit=10)  # SKIP LOCKED: it takes the other two
        first.commit()
        second.commit()
    assert sorted(m.id for m in mine + theirs) == sorted(ids)
    assert not {m.id for m in mine} & {m.id for m in theirs}


def test_four_relays_at_once_send_every_mail_exactly_once(pg_engine):
    ids = queue_many(pg_engine, 40)
    relays = 4
    recorder = SlowRecorder(threading.Barrier(relays))
    errors: list[BaseException] = []

    def relay():
        try:
            with Session(pg_engine) as session:
                while relay_due(session, recorder, now=NOW, commit=session.commit, limit=5).claimed:
                    pass
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=relay) for _ in range(relays)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Counter(recorder.sent) == Counter(ids)  # every mail, none twice
    with pg_engine.connect() as conn:
        statuses = conn.execute(text("SELECT status, count(*) FROM outbox_mails GROUP BY status")).all()
    assert statuses == [("sent", 40)]


def test_two_relays_through_one_mail_server_deliver_each_mail_once(pg_engine, smtp_server):
    queue_many(pg_engine, 12)
    transport = SmtpTransport(host="127.0.0.1", port=smtp_server.port, sender="s@streakpot.test", timeout=5)
    barrier = threading.Barrier(2)

    def relay():
        with Session(pg_engine) as session:
            barrier.wait()
            while relay_due(session, transport, now=NOW, commit=session.commit, limit=3).claimed:
                pass

    threads = [threading.Thread(target=relay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    received = Counter(message["Message-ID"] for message in smtp_server.messages)
    assert len(received) == 12 and set(received.values()) == {1}
