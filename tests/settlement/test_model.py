"""Random challenges settled by the sweep and by a reference model written from SPEC.md alone.

The model below is deliberately naive (a loop over members, Python integers, no database): if
the set-based settlement and it ever disagree by a cent, one of them misreads the SPEC. Each
scenario is drawn from a printed seed, so a failure replays exactly (TigerBeetle's auditor
pattern, scaled down).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.stakes import stake_for_day
from habits.models import ExcusedDay, RestDay
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment
from tests.settlement.helpers import assert_books_clean, money, sweep
from tests.timehelpers import travel

S = EnrollmentStatus
SEEDS = [3, 17, 29, 101, 2024, 31337, 4242, 77, 8, 555, 9001, 123456]


@dataclass
class Member:
    index: int
    checkins: dict[int, int] = field(default_factory=dict)  # day -> minute after 05:00
    voided: set[int] = field(default_factory=set)
    rest: set[int] = field(default_factory=set)
    quits_before: int | None = None  # quits before this day's settlement
    status: str = "active"
    misses: int = 0
    held: int = 0
    returned: int = 0
    forfeited: int = 0
    won: int = 0


def split_equal_in_order(amount: int, members: list[Member]) -> None:
    each, extra = divmod(amount, len(members))
    for position, m in enumerate(members):
        m.won += each + (1 if position < extra else 0)


def model(days: int, deposit: int, max_misses: int, fee_bps: int, excused: set[int], members: list[Member]):
    """SPEC.md, "Settling day k", read literally."""
    pot = 0
    for m in members:
        m.held = deposit
    for k in range(days):
        s = stake_for_day(deposit, days, k)
        winners = []
        for m in members:
            if m.status == "active" and m.quits_before == k:
                m.status = "withdrawn"
                m.forfeited += m.held
                pot += m.held
                m.held = 0
                continue
            if m.status != "active":
                continue
            if k in excused or k in m.rest:
                m.returned, m.held = m.returned + s, m.held - s
            elif k in m.checkins and k not in m.voided:
                m.returned, m.held = m.returned + s, m.held - s
                winners.append(m)
            else:
                m.misses += 1
                lost = m.held if m.misses > max_misses else s
                if m.misses > max_misses:
                    m.status = "eliminated"
                m.forfeited, m.held, pot = m.forfeited + lost, m.held - lost, pot + lost
        if winners:
            fee = pot * fee_bps // 10000
            winners.sort(key=lambda m: (m.checkins[k], m.index))
            split_equal_in_order(pot - fee, winners)
            pot = 0
    finishers = [m for m in members if m.status == "active"]
    for m in finishers:
        m.status = "completed"
    if pot and finishers:
        split_equal_in_order(pot, finishers)


@pytest.mark.parametrize("seed", SEEDS)
def test_settlement_agrees_with_a_reference_model_of_the_spec(session, seed):
    rng = random.Random(seed)
    days = rng.randint(1, 5)
    deposit = days * rng.randint(1, 40) + rng.randint(0, days - 1)
    max_misses, fee_bps, rest_allowance = (
        rng.randint(0, 2),
        rng.choice([0, 250, 1000, 3333]),
        rng.randint(0, 2),
    )
    excused = {k for k in range(days) if rng.random() < 0.15}
    members = [Member(i) for i in range(rng.randint(1, 6))]
    for m in members:
        for k in range(days):
            if rng.random() < 0.65:
                m.checkins[k] = rng.choice([0, 0, 5, 30, 61])  # ties on purpose: enrollment id decides
                if rng.random() < 0.1:
                    m.voided.add(k)
        m.rest = set(rng.sample(range(days), min(days, rng.randint(0, rest_allowance))))
        if days > 1 and rng.random() < 0.2:
            m.quits_before = rng.randint(1, days - 1)

    ch = make_challenge(
        session,
        days=days,
        deposit_minor=deposit,
        max_misses=max_misses,
        fee_bps=fee_bps,
        rest_days=rest_allowance,
    )
    with travel(at_local(ch, -1, "12:00")):
        enrollments = [make_enrollment(session, ch, status=S.ACTIVE) for _ in members]
    for m, e in zip(members, enrollments, strict=True):
        for k, minute in m.checkins.items():
            checkin = make_checkin(session, e, k, at=at_local(ch, k, "05:00") + timedelta(minutes=minute))
            if k in m.voided:
                checkin.voided_at = at_local(ch, k, "07:05")
        session.add_all(
            RestDay(
                enrollment_id=e.id, challenge_id=ch.id, day_index=k, declared_at=at_local(ch, -1, "12:00")
            )
            for k in m.rest
        )
    session.add_all(
        ExcusedDay(challenge_id=ch.id, day_index=k, reason="model", created_at=at_local(ch, -1, "12:00"))
        for k in excused
    )
    session.commit()

    for k in range(days):
        for m, e in zip(members, enrollments, strict=True):
            session.refresh(e)
            if m.quits_before == k and e.status == S.ACTIVE:
                e.status, e.withdrew_at = S.WITHDRAWN, at_local(ch, k, "04:00")
        session.commit()
        with travel(at_local(ch, k, "07:10")):
            sweep(session, at_local(ch, k, "07:10"))

    model(days, deposit, max_misses, fee_bps, excused, members)
    for m, e in zip(members, enrollments, strict=True):
        got = money(session, e)
        figures = [got[name] for name in ("returned_minor", "forfeited_minor", "won_minor", "held_minor")]
        expected = [m.returned, m.forfeited, m.won, m.held]
        assert (e.status, e.misses, figures) == (m.status, m.misses, expected), (
            f"seed {seed}, member {m.index}"
        )
    assert_books_clean(session)
