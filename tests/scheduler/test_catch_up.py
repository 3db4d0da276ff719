"""Catch-up after downtime is the same sweep: every day that became due, in order, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import ledger
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import DaySettlement, Heartbeat
from habits.services.settlement import settle_due_days
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment
from tests.settlement.helpers import assert_books_clean, money, sweep
from tests.timehelpers import travel

S = EnrollmentStatus


def _challenge(session):
    ch = make_challenge(session, days=7, deposit_minor=700, max_misses=6)
    with travel(at_local(ch, -1, "12:00")):
        a, b = (make_enrollment(session, ch, status=S.ACTIVE) for _ in range(2))
    for k in range(7):
        make_checkin(session, a, k)  # members kept checking in while our settler was down
    return ch, a, b


def test_five_days_down_then_one_sweep_settles_them_all_in_order(session):
    ch, a, b = _challenge(session)
    back_at = at_local(ch, 4, "09:00")  # days 0-4 became due while nothing ran
    with travel(back_at):
        result = sweep(session, back_at)
    assert result.opened == [ch.id]
    assert result.settled == [(ch.id, k) for k in range(5)]
    rows = session.scalars(
        select(DaySettlement).where(DaySettlement.challenge_id == ch.id).order_by(DaySettlement.id)
    ).all()
    assert [d.day_index for d in rows] == [0, 1, 2, 3, 4]
    # The ledger is dated as if the sweep had run on time: each day at its due instant.
    splits = session.scalars(
        select(ledger.LedgerTransaction).where(ledger.LedgerTransaction.key.like(f"settle:{ch.id}:%:winners"))
        .order_by(ledger.LedgerTransaction.id)
    ).all()  # fmt: skip
    assert [t.key for t in splits] == [f"settle:{ch.id}:{k}:winners" for k in range(5)]
    assert [t.occurred_at for t in splits] == [at_local(ch, k, "07:10") for k in range(5)]
    assert (money(session, a)["won_minor"], b.misses) == (500, 5)
    session.refresh(ch)
    assert ch.settled_days == 5 and ch.next_due_at == at_local(ch, 5, "07:10")
    with travel(back_at + timedelta(minutes=1)):
        assert sweep(session, back_at + timedelta(minutes=1)).settled == []
    assert_books_clean(session)


def test_a_sweep_can_be_capped_and_the_next_one_goes_on_where_it_stopped(session):
    ch, a, b = _challenge(session)
    back_at = at_local(ch, 4, "09:00")
    first = settle_due_days(session, now=back_at, commit=session.commit, limit=3)
    assert first.opened == [ch.id] and first.settled == [(ch.id, 0), (ch.id, 1)]
    second = settle_due_days(session, now=back_at, commit=session.commit)
    assert second.settled == [(ch.id, 2), (ch.id, 3), (ch.id, 4)]
    assert_books_clean(session)


def test_days_we_were_down_for_are_excused_once_the_heartbeat_had_started(session):
    ch, a, b = _challenge(session)
    # The scheduler beat until the evening before day 0, then the machine died for five days.
    minute = at_local(ch, -1, "12:00")
    while minute < at_local(ch, -1, "20:00"):
        session.add(Heartbeat(minute_at=minute, settled_days=0))
        minute += timedelta(minutes=1)
    session.commit()
    with travel(at_local(ch, 4, "09:00")):
        result = sweep(session, at_local(ch, 4, "09:00"))
    assert len(result.settled) == 5
    rows = session.scalars(select(DaySettlement).where(DaySettlement.challenge_id == ch.id)).all()
    assert {d.status for d in rows} == {"excused"}
    # members never pay for our outage: b's misses cost nothing, and count nothing
    assert (money(session, b)["forfeited_minor"], b.misses, money(session, b)["returned_minor"]) == (
        0,
        0,
        500,
    )
    assert_books_clean(session)
