"""Exactly once across real processes on PostgreSQL: racing settlers, and settlers killed mid-day.

Each settler is its own Python process (tests/settlement/settler.py) with its own connections,
committing for real, as the scheduler does in production. A ledger is compared with a clean
run's through a fingerprint that names accounts and keys by position, not by database id.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Challenge, DaySettlement, Enrollment
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment
from tests.settlement.helpers import CHECKS
from tests.timehelpers import travel

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
S = EnrollmentStatus
DAYS = 4
FIGURES = (
    "status", "carried_in_minor", "forfeited_minor", "pot_minor", "fee_minor", "split_minor",
    "carried_minor", "final_split_minor", "unclaimed_minor", "returned_minor", "winners", "misses",
    "eliminated", "withdrawn", "completed",
)  # fmt: skip


def build(session: Session, *, members: int = 5) -> Challenge:
    """A 4-day challenge whose members miss on a fixed pattern (eliminations, carries, a quit)."""
    ch = make_challenge(session, days=DAYS, deposit_minor=4003, max_misses=1, fee_bps=500)
    with travel(at_local(ch, -1, "12:00")):
        es = [make_enrollment(session, ch, status=S.ACTIVE) for _ in range(members)]
    for i, e in enumerate(es):
        for k in range(DAYS):
            if (i + k) % 3 != 0 and not (k == 2 and i % 2):
                make_checkin(session, e, k, at=at_local(ch, k, f"05:{(i * 7 + k) % 60:02d}"))
    es[-1].status, es[-1].withdrew_at = S.WITHDRAWN, at_local(ch, 1, "09:00")
    session.commit()
    return ch


def fingerprint(session: Session, challenge_id: int) -> list:
    """Everything settlement wrote for one challenge, with ids replaced by positions."""
    es = session.scalars(
        select(Enrollment).where(Enrollment.challenge_id == challenge_id).order_by(Enrollment.id)
    )
    es = list(es)
    names = {f"held:enrollment:{e.id}": f"held:E{i}" for i, e in enumerate(es)}
    names.update({f"wallet:member:{e.member_id}:{e.currency}": f"wallet:E{i}" for i, e in enumerate(es)})
    names[f"pot:challenge:{challenge_id}"] = "pot"
    t, p, a = ledger.LedgerTransaction, ledger.Posting, ledger.Account
    rows = session.execute(
        select(t.key, t.occurred_at, a.code, p.amount_minor)
        .join(p, p.transaction_id == t.id)
        .join(a, a.id == p.account_id)
        .where(t.key.like(f"settle:{challenge_id}:%") | t.key.like(f"open:{challenge_id}:%"))
    ).all()
    postings = sorted(
        (key.split(":", 2)[2], at.isoformat(), names.get(code, code), amount)
        for key, at, code, amount in rows
    )
    days = session.scalars(
        select(DaySettlement)
        .where(DaySettlement.challenge_id == challenge_id)
        .order_by(DaySettlement.day_index)
    )
    figures = [(d.day_index, *(getattr(d, name) for name in FIGURES)) for d in days]
    statuses = [(i, e.status, e.misses, e.ended_day_index) for i, e in enumerate(es)]
    challenge = session.get(Challenge, challenge_id)
    return [postings, figures, statuses, (challenge.status, challenge.settled_days, challenge.next_due_at)]


def settler(as_of, *, kill_at: int = 0, wait: bool = False) -> subprocess.Popen:
    env = dict(os.environ, SETTLER_KILL_AT=str(kill_at))
    args = [sys.executable, "-m", "tests.settlement.settler", as_of.isoformat()] + (
        ["--wait"] if wait else []
    )
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def books_clean(session: Session) -> None:
    session.expire_all()
    assert ledger.invariants.verify(session, CHECKS) == []


@pytest.fixture
def pg(pg_engine):
    with Session(pg_engine) as session:
        yield session


def test_four_settlers_started_at_once_write_the_ledger_of_one(pg):
    reference = build(pg)
    as_of = at_local(reference, DAYS - 1, "08:00")
    alone = finish(settler(as_of))  # the reference: one settler, alone
    assert alone["settled"] == [[reference.id, k] for k in range(DAYS)]
    pg.expire_all()
    expected = fingerprint(pg, reference.id)
    racing = [build(pg) for _ in range(4)]

    procs = [settler(as_of, wait=True) for _ in range(4)]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [finish(proc) for proc in procs]
    settled = [unit for result in results for unit in map(tuple, result["settled"])]
    # every (challenge, day) settled exactly once, by one of the four
    assert sorted(settled) == sorted((ch.id, k) for ch in racing for k in range(DAYS))
    assert all(result["failed"] == [] for result in results)
    for ch in racing:
        pg.expire_all()
        assert fingerprint(pg, ch.id) == expected
    books_clean(pg)


def _half_written(session: Session, challenge_id: int) -> list[str]:
    """What a crash could have left half-done: a day's row without its money, or money without its row."""
    session.expire_all()
    challenge = session.get(Challenge, challenge_id)
    days = set(
        session.scalars(select(DaySettlement.day_index).where(DaySettlement.challenge_id == challenge_id))
    )
    keyed = {
        int(key.split(":")[2])
        for key in session.scalars(
            select(ledger.LedgerTransaction.key).where(
                ledger.LedgerTransaction.key.like(f"settle:{challenge_id}:%")
            )
        )
    }
    problems = []
    if days != set(range(challenge.settled_days)):
        problems.append(f"settled_days {challenge.settled_days} but day rows {sorted(days)}")
    if not keyed <= days:
        problems.append(f"ledger transactions for unsettled days {sorted(keyed - days)}")
    return problems


def test_a_settler_killed_anywhere_leaves_nothing_half_written_and_the_next_sweep_finishes_the_same(pg):
    as_of = at_local(build(pg), DAYS - 1, "08:00")
    finish(settler(as_of))  # a first run opens the shared accounts (fee revenue): warm the books
    reference = build(pg)
    clean = finish(settler(as_of))
    pg.expire_all()
    expected = fingerprint(pg, reference.id)
    total = clean["statements"]
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    # evenly spread points (the first statement, mid-day, just before a commit...) and random ones
    points = sorted({1, total, *range(2, total, max(1, total // 3)), *rng.sample(range(1, total + 1), 2)})
    for kill_at in points:
        ch = build(pg)
        proc = settler(as_of, kill_at=kill_at)
        proc.communicate(timeout=120)
        assert proc.returncode == -9, f"kill point {kill_at} of {total} (seed {seed}) did not kill"
        assert _half_written(pg, ch.id) == [], f"kill point {kill_at} of {total} (seed {seed})"
        books_clean(pg)
        # the next sweep completes the day(s) with exactly the amounts of a clean run
        from habits.services.settlement import settle_due_days

        result = settle_due_days(pg, now=as_of, commit=pg.commit)
        assert result.failed == []
        pg.expire_all()
        assert fingerprint(pg, ch.id) == expected, f"kill point {kill_at} of {total} (seed {seed})"
    books_clean(pg)
