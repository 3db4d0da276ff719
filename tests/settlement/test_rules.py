"""Each rule of SPEC.md "Settling day k" through the sweep, with the amounts worked by hand.

Unless a test says otherwise: Asia/Shanghai, window 05:00-07:00, review 10 minutes (day k is due
at 07:10 local), fee 0, equal split. Every test ends with the books verified.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

import ledger
from habits import books
from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.split import split_random
from habits.models import (
    Challenge,
    ChallengeStatus,
    CheckIn,
    DaySettlement,
    DaySettlementStatus,
    ExcusedDay,
    Heartbeat,
    Member,
    Split,
)
from habits.services import daymarks
from habits.services.receipts import day_statement
from habits.services.settlement import settle_due_days
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment
from tests.settlement.helpers import assert_books_clean, balance_of, money, sweep
from tests.timehelpers import local, travel

S = EnrollmentStatus


def enroll(session, ch, n, **overrides):
    with travel(at_local(ch, -1, "12:00")):
        return [make_enrollment(session, ch, status=S.ACTIVE, **overrides) for _ in range(n)]


def due(ch, k):
    return at_local(ch, k, "07:10")


def settle_through(session, ch, k):
    with travel(due(ch, k)):
        return sweep(session, due(ch, k))


def days_of(session, ch):
    rows = session.scalars(select(DaySettlement).where(DaySettlement.challenge_id == ch.id))
    return {d.day_index: d for d in rows}


def wallet(session, enrollment):
    return balance_of(session, enrollment.wallet_account_id)


def pot(session, ch):
    return balance_of(session, books.open_account(session, books.pot(ch.id, ch.currency)).id)


def beat(session, start, end):
    """Heartbeats for every UTC minute in [start, end)."""
    minute = start.replace(second=0, microsecond=0)
    rows = []
    while minute < end:
        rows.append(Heartbeat(minute_at=minute, settled_days=0))
        minute += timedelta(minutes=1)
    session.add_all(rows)
    session.commit()


def test_no_winners_carries_the_pot_without_a_fee_and_the_next_winners_take_it(session):
    ch = make_challenge(session, days=3, deposit_minor=301, fee_bps=1000)  # stakes 100, 100, 101
    a, b = enroll(session, ch, 2)
    settle_through(session, ch, 0)  # both miss: 200 into the pot, nobody to share it
    day0 = days_of(session, ch)[0]
    assert (day0.pot_minor, day0.fee_minor, day0.carried_minor, day0.winners) == (200, 0, 200, 0)
    assert pot(session, ch) == 200
    make_checkin(session, a, 1)
    settle_through(session, ch, 1)  # b misses again: pot 200 + 100 = 300, fee 30, a wins 270
    day1 = days_of(session, ch)[1]
    assert (day1.carried_in_minor, day1.pot_minor, day1.fee_minor, day1.split_minor) == (200, 300, 30, 270)
    assert money(session, a)["won_minor"] == 270
    assert_books_clean(session)


def test_nobody_completes_the_last_pot_is_unclaimed(session):
    ch = make_challenge(session, days=2, deposit_minor=200, max_misses=0)
    a, b = enroll(session, ch, 2)
    settle_through(session, ch, 0)  # max_misses 0: both eliminated on their first miss
    assert {a.status, b.status} == {S.ELIMINATED}
    assert days_of(session, ch)[0].carried_minor == 400  # each forfeits its whole deposit
    settle_through(session, ch, 1)  # nobody left: the pot goes to the platform's unclaimed revenue
    last = days_of(session, ch)[1]
    assert (last.carried_in_minor, last.unclaimed_minor, last.completed, last.carried_minor) == (
        400,
        400,
        0,
        0,
    )
    unclaimed = books.open_account(session, books.unclaimed_revenue(ch.currency))
    assert -ledger.balance(session, unclaimed) == 400
    assert pot(session, ch) == 0
    session.refresh(ch)
    assert ch.status == ChallengeStatus.COMPLETED
    assert_books_clean(session)


def test_a_last_day_without_winners_shares_the_pot_among_finishers_by_enrollment_id(session):
    ch = make_challenge(session, days=2, deposit_minor=200, max_misses=1)
    a, b, c, d = enroll(session, ch, 4)
    for e in (a, b, c):
        make_checkin(session, e, 0)
    settle_through(session, ch, 0)  # d misses (1 of 1 allowed): 100 to the pot, split 33/33/34
    day0 = days_of(session, ch)[0]
    assert day0.split_minor == 100
    # Day 1: a, b, c miss (their first), d misses its second: eliminated with its last 100.
    settle_through(session, ch, 1)
    last = days_of(session, ch)[1]
    # pot 300 + 100 = 400, no winners: shared equally among finishers a, b, c: 134, 133, 133
    assert (last.pot_minor, last.final_split_minor, last.completed) == (400, 400, 3)
    assert [money(session, e)["won_minor"] for e in (a, b, c, d)] == [34 + 134, 33 + 133, 33 + 133, 0]
    assert [e.status for e in (a, b, c, d)] == [S.COMPLETED, S.COMPLETED, S.COMPLETED, S.ELIMINATED]
    lines = day_statement(session, ch.id, 1)["lines"]
    shares = [
        (line["enrollment_id"], line["amount_minor"]) for line in lines if line["kind"] == "final_share"
    ]
    assert shares == [(a.id, 134), (b.id, 133), (c.id, 133)]
    assert_books_clean(session)


def test_max_misses_zero_the_first_miss_eliminates_with_the_whole_deposit(session):
    ch = make_challenge(session, days=4, deposit_minor=400, max_misses=0)
    a, b = enroll(session, ch, 2)
    make_checkin(session, a, 0)
    make_checkin(session, b, 0)
    settle_through(session, ch, 0)
    make_checkin(session, a, 1)
    settle_through(session, ch, 1)  # b misses day 1: 100 + the 200 still held -> a wins 300
    assert (b.status, b.misses, b.ended_day_index) == (S.ELIMINATED, 1, 1)
    mb = money(session, b)
    assert (mb["returned_minor"], mb["forfeited_minor"], mb["held_minor"]) == (100, 300, 0)
    assert money(session, a)["won_minor"] == 300
    # An eliminated member may go on checking in: never for money.
    make_checkin(session, b, 2, counts_for_money=False)
    settle_through(session, ch, 2)
    assert days_of(session, ch)[2].winners == 0 and money(session, b)["won_minor"] == 0
    assert_books_clean(session)


def test_two_misses_allowed_the_third_eliminates(session):
    ch = make_challenge(session, days=4, deposit_minor=400, max_misses=2)
    (a,) = enroll(session, ch, 1)
    for k in range(3):
        settle_through(session, ch, k)
        assert a.misses == k + 1
    assert a.status == S.ELIMINATED and a.ended_day_index == 2
    assert money(session, a)["forfeited_minor"] == 400  # 100 + 100 + (100 + 100 still held)
    assert_books_clean(session)


def test_a_voided_check_in_counts_as_a_miss(session):
    ch = make_challenge(session, days=2, deposit_minor=200)
    a, b = enroll(session, ch, 2)
    make_checkin(session, a, 0)
    voided = make_checkin(session, b, 0)
    voided.voided_at, voided.void_reason = at_local(ch, 0, "07:05"), "photo of yesterday"
    session.commit()
    settle_through(session, ch, 0)
    assert b.misses == 1 and money(session, b)["forfeited_minor"] == 100
    assert money(session, a)["won_minor"] == 100
    assert_books_clean(session)


def test_appeal_reinstates_a_voided_check_in_before_the_day_is_due(session):
    ch = make_challenge(session, days=2, deposit_minor=200)
    (a,) = enroll(session, ch, 1)
    organizer = session.get(Member, ch.created_by_id)
    checkin = make_checkin(session, a, 0)
    checkin.voided_at = at_local(ch, 0, "06:00")
    session.commit()
    with travel(at_local(ch, 0, "07:09")):
        daymarks.accept_appeal(
            session, ch.id, organizer=organizer, day_index=0, enrollment_id=a.id, reason="it was today",
            now=at_local(ch, 0, "07:09"),
        )  # fmt: skip
        session.commit()
    assert session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.enrollment_id == a.id)) == 1
    settle_through(session, ch, 0)
    assert a.misses == 0 and money(session, a)["returned_minor"] == 100
    assert_books_clean(session)


def test_quitting_mid_way_forfeits_the_rest_at_the_next_day_settled(session):
    ch = make_challenge(session, days=4, deposit_minor=400, fee_bps=500)
    a, b = enroll(session, ch, 2)
    for k in (0, 1):
        make_checkin(session, a, k)
        make_checkin(session, b, k)
        settle_through(session, ch, k)
    # b quits during day 2's review period, after checking in: day 2 is the next day settled,
    # so its stake and the rest of its deposit go to the pot.
    make_checkin(session, a, 2)
    make_checkin(session, b, 2)
    b.status, b.withdrew_at = S.WITHDRAWN, at_local(ch, 2, "07:05")
    session.commit()
    settle_through(session, ch, 2)
    day2 = days_of(session, ch)[2]
    assert (day2.withdrawn, day2.forfeited_minor, day2.fee_minor, day2.split_minor) == (1, 200, 10, 190)
    mb = money(session, b)
    assert (mb["returned_minor"], mb["forfeited_minor"], mb["won_minor"], mb["held_minor"]) == (
        200,
        200,
        0,
        0,
    )
    assert b.status == S.WITHDRAWN and b.ended_day_index == 2
    settle_through(session, ch, 3)  # b is not settled twice
    assert days_of(session, ch)[3].withdrawn == 0
    assert_books_clean(session)


def test_rest_days_return_the_stake_without_a_miss_or_a_win(session):
    ch = make_challenge(session, days=2, deposit_minor=200, rest_days=1)
    a, b, c = enroll(session, ch, 3)
    with travel(at_local(ch, 0, "04:00")):
        daymarks.declare_rest_day(
            session, a.id, member=session.get(Member, a.member_id), day_index=0, now=at_local(ch, 0, "04:00")
        )
        session.commit()
    make_checkin(session, b, 0)
    settle_through(session, ch, 0)  # c misses: 100 to b alone; a rests
    assert (a.misses, money(session, a)["returned_minor"], money(session, a)["won_minor"]) == (0, 100, 0)
    assert money(session, b)["won_minor"] == 100
    day0 = days_of(session, ch)[0]
    assert (day0.rest_days, day0.winners, day0.returned_minor) == (1, 1, 200)
    with pytest.raises(daymarks.HabitsError):
        daymarks.declare_rest_day(
            session, a.id, member=session.get(Member, a.member_id), day_index=1, now=at_local(ch, 0, "08:00")
        )
    assert_books_clean(session)


def test_an_organizer_excused_day_forfeits_nothing_and_carries_the_pot(session):
    ch = make_challenge(session, days=3, deposit_minor=300, fee_bps=1000)
    a, b = enroll(session, ch, 2)
    make_checkin(session, a, 0)
    settle_through(session, ch, 0)  # b misses: a wins 90, fee 10
    with travel(at_local(ch, 1, "06:00")):
        daymarks.excuse_day(
            session, ch.id, organizer=session.get(Member, ch.created_by_id), day_index=1,
            reason="the stadium was closed", now=at_local(ch, 1, "06:00"),
        )  # fmt: skip
        session.commit()
    make_checkin(session, a, 1)  # a check-in on an excused day wins nothing: nothing is split
    settle_through(session, ch, 1)
    day1 = days_of(session, ch)[1]
    assert day1.status == DaySettlementStatus.EXCUSED and day1.excuse_reason == "the stadium was closed"
    assert (day1.forfeited_minor, day1.fee_minor, day1.returned_minor, day1.winners) == (0, 0, 200, 0)
    assert b.misses == 1  # unchanged by the excused day
    kinds = {line["kind"] for line in day_statement(session, ch.id, 1)["lines"]}
    assert kinds == {"excused"}
    assert_books_clean(session)


def test_an_outage_longer_than_allowed_excuses_the_day_by_itself(session):
    ch = make_challenge(session, days=3, deposit_minor=300)  # outage_minutes 10
    a, b = enroll(session, ch, 2)
    # The service beat every minute, except 11 minutes of day 1's window and 10 of day 2's.
    start = at_local(ch, -1, "12:00")
    gap1 = at_local(ch, 1, "05:30")
    gap2 = at_local(ch, 2, "06:00")
    beat(session, start, gap1)
    beat(session, gap1 + timedelta(minutes=11), gap2)
    beat(session, gap2 + timedelta(minutes=10), due(ch, 2) + timedelta(minutes=1))
    for k in range(3):
        make_checkin(session, a, k)
        settle_through(session, ch, k)
    days = days_of(session, ch)
    assert [days[k].status for k in range(3)] == ["settled", "excused", "settled"]
    assert [days[k].outage_minutes for k in range(3)] == [0, 11, 10]
    assert "service outage: 11 minutes" in days[1].excuse_reason
    excused = session.scalars(select(ExcusedDay).where(ExcusedDay.challenge_id == ch.id)).one()
    assert excused.day_index == 1 and excused.excused_by_id is None
    # b missed days 0 and 2 only; its day-1 stake came back
    mb = money(session, b)
    assert (b.misses, mb["forfeited_minor"], mb["returned_minor"]) == (2, 200, 100)
    assert_books_clean(session)


def test_before_the_first_heartbeat_there_is_no_outage(session):
    ch = make_challenge(session, days=1, deposit_minor=100)
    (a,) = enroll(session, ch, 1)
    beat(session, at_local(ch, 0, "06:59"), at_local(ch, 0, "07:10"))  # installed at 06:59
    settle_through(session, ch, 0)
    day = days_of(session, ch)[0]
    assert day.status == "settled" and day.outage_minutes == 0
    assert a.status == S.COMPLETED and money(session, a)["forfeited_minor"] == 100
    assert_books_clean(session)


def test_days_across_a_daylight_saving_change_fall_due_at_local_time(session):
    # New York springs forward on Sunday 2026-03-08: the 06:00-08:00 window is 11:00-13:00Z
    # before, 10:00-12:00Z after. Day 2 (March 8) is due at 08:10 EDT = 12:10Z.
    ch = make_challenge(
        session, timezone="America/New_York", start_date=date(2026, 3, 6), days=4,
        window_open="06:00", window_close="08:00", deposit_minor=400,
    )  # fmt: skip
    a, b = enroll(session, ch, 2)
    # The service was down 12:00-13:00Z on March 8: after day 2's window in EDT (10:00-12:00Z),
    # though inside it had the window been converted with the winter offset (11:00-13:00Z).
    dst_day = ch.start_date + timedelta(days=2)
    beat(session, at_local(ch, -1, "12:00"), local("UTC", dst_day, "12:00"))
    beat(session, local("UTC", dst_day, "13:00"), at_local(ch, 3, "08:11"))
    for k in range(4):
        make_checkin(session, a, k, at=at_local(ch, k, "06:30"))
    with travel(local("UTC", dst_day, "12:09")):
        result = sweep(session, local("UTC", dst_day, "12:09"))
    assert result.settled == [(ch.id, 0), (ch.id, 1)]
    with travel(local("UTC", dst_day, "12:10")):
        assert sweep(session, local("UTC", dst_day, "12:10")).settled == [(ch.id, 2)]
    with travel(at_local(ch, 3, "08:10")):
        assert sweep(session, at_local(ch, 3, "08:10")).settled == [(ch.id, 3)]
    days = days_of(session, ch)
    # every window had its heartbeats, the DST day's included: nothing excused
    assert [days[k].status for k in range(4)] == ["settled"] * 4
    assert [days[k].outage_minutes for k in range(4)] == [0, 0, 0, 0]
    assert b.status == S.ELIMINATED  # 3rd miss on day 2
    assert_books_clean(session)


def test_too_few_participants_cancels_with_every_deposit_back(session):
    ch = make_challenge(session, days=3, deposit_minor=300, min_participants=3)
    a, b = enroll(session, ch, 2)
    with travel(at_local(ch, -1, "12:00")):
        unpaid = make_enrollment(session, ch)
    with travel(at_local(ch, 0, "05:00")):
        result = sweep(session, at_local(ch, 0, "05:00"))
    assert result.cancelled == [ch.id] and result.settled == []
    session.refresh(ch)
    assert (ch.status, ch.next_due_at) == (ChallengeStatus.CANCELLED, None)
    assert [e.status for e in (a, b, unpaid)] == [S.CANCELLED] * 3
    assert [wallet(session, e) for e in (a, b)] == [300, 300]
    assert [money(session, e)["held_minor"] for e in (a, b)] == [0, 0]
    assert sweep(session, due(ch, 2)).settled == []
    assert_books_clean(session)


def test_a_payment_that_arrives_after_day_zero_opened_goes_to_the_wallet(session):
    ch = make_challenge(session, days=2, deposit_minor=200)
    (on_time,) = enroll(session, ch, 1)
    with travel(at_local(ch, -1, "12:00")):
        unpaid = make_enrollment(session, ch)
        late = make_enrollment(session, ch, status=S.ACTIVE, funded=False)
    # The webhook for `late` was processed at 05:00:30, after day 0 opened but before the sweep.
    held = session.get(ledger.Account, late.held_account_id)
    cash = books.open_account(session, books.processor_cash(ch.currency))
    ledger.post(
        session, key=books.deposit_key(late.id), currency=ch.currency,
        legs=[ledger.Leg(cash, 200), ledger.Leg(held, -200)], memo="late deposit",
        occurred_at=at_local(ch, 0, "05:00") + timedelta(seconds=30),
    )  # fmt: skip
    session.commit()
    with travel(at_local(ch, 0, "05:01")):
        result = sweep(session, at_local(ch, 0, "05:01"))
    assert result.opened == [ch.id]
    assert (on_time.status, unpaid.status, late.status) == (S.ACTIVE, S.CANCELLED, S.CANCELLED)
    assert wallet(session, late) == 200 and money(session, late)["returned_minor"] == 200
    settle_through(session, ch, 0)
    assert days_of(session, ch)[0].misses == 1  # only on_time took part
    assert_books_clean(session)


def test_the_random_split_is_reproducible_from_the_seed_and_the_ordered_winners(session):
    ch = make_challenge(session, days=2, deposit_minor=20000, split=Split.RANDOM, fee_bps=250)
    es = enroll(session, ch, 6)
    times = ["05:40", "05:10", "05:10", "06:00", "05:01"]  # es[5] misses
    for e, hhmm in zip(es, times, strict=False):
        make_checkin(session, e, 0, at=at_local(ch, 0, hhmm))
    settle_through(session, ch, 0)
    day = days_of(session, ch)[0]
    assert day.seed and len(day.seed) == 32
    # pot 10000, fee 250, R 9750 among 5 winners in order of check-in instant, then id
    order = [es[4], es[1], es[2], es[0], es[3]]
    expected = split_random(9750, 5, day.seed)
    assert [money(session, e)["won_minor"] for e in order] == expected
    assert sum(expected) == 9750 and min(expected) >= 1
    statement = day_statement(session, ch.id, 0)
    assert statement["seed"] == day.seed and statement["split"] == "random"
    # the statement alone is enough to recompute: the seed, and each share with its winner's rank
    won = sorted(
        (line["winner_rank"], line["amount_minor"]) for line in statement["lines"] if line["kind"] == "won"
    )
    assert [amount for _, amount in won] == split_random(
        statement["split_minor"], len(won), statement["seed"]
    )
    assert [rank for rank, _ in won] == [1, 2, 3, 4, 5]
    assert_books_clean(session)


def move(session, ch, key, source, target, amount, at):
    """Post ``amount`` from one liability account to another (as the payments services do)."""
    legs = [ledger.Leg(source, amount), ledger.Leg(target, -amount)]
    ledger.post(session, key=key, currency=ch.currency, legs=legs, memo=key, occurred_at=at)
    session.commit()


def test_a_suspended_enrollment_sits_days_out_and_gets_them_back_at_the_end(session):
    ch = make_challenge(session, days=4, deposit_minor=400)
    a, b = enroll(session, ch, 2)
    held = session.get(ledger.Account, a.held_account_id)
    frozen = books.open_account(session, books.frozen_deposit(a.id, ch.currency))
    make_checkin(session, a, 0)
    make_checkin(session, b, 0)
    settle_through(session, ch, 0)
    # A card dispute freezes a's 300 still held (the payments service does this)...
    move(session, ch, "dispute:t:freeze", held, frozen, 300, at_local(ch, 1, "04:00"))
    a.status = S.SUSPENDED
    session.commit()
    for k in (1, 2):
        make_checkin(session, b, k)
        settle_through(session, ch, k)
    assert a.misses == 0  # not a miss while suspended: it did not take part
    # ... and the dispute is won before day 3: the deposit is back, a takes part again.
    move(session, ch, "dispute:t:won", frozen, held, 300, at_local(ch, 3, "04:00"))
    a.status = S.ACTIVE
    session.commit()
    make_checkin(session, a, 3)
    make_checkin(session, b, 3)
    settle_through(session, ch, 3)
    ma = money(session, a)
    # day 0 and day 3 stakes back as successes, the 200 of the days it sat out as a leftover
    assert (a.status, ma["returned_minor"], ma["held_minor"], ma["forfeited_minor"]) == (
        S.COMPLETED,
        400,
        0,
        0,
    )
    lines = day_statement(session, ch.id, 3)["lines"]
    assert [line["kind"] for line in lines if line["enrollment_id"] == a.id] == ["returned", "leftover"]
    assert_books_clean(session)


def test_a_broken_challenge_is_rolled_back_and_does_not_block_the_others(session):
    good = make_challenge(session, days=1, deposit_minor=100)
    bad = make_challenge(session, days=1, deposit_minor=100)
    (g,) = enroll(session, good, 1)
    (x,) = enroll(session, bad, 1)
    x.held_account_id = None  # a broken row: settlement must refuse the whole day
    session.commit()
    with travel(due(good, 0)):
        result = settle_due_days(session, now=due(good, 0), commit=session.commit)
    assert result.settled == [(good.id, 0)]
    assert [cid for cid, _ in result.failed] == [bad.id]
    assert "no accounts" in result.failed[0][1]
    session.refresh(bad)
    assert bad.settled_days == 0 and bad.status == ChallengeStatus.RUNNING
    assert days_of(session, bad) == {}
    assert (
        session.scalar(select(func.count()).where(ledger.LedgerTransaction.key.like(f"settle:{bad.id}:%")))
        == 0
    )


def test_a_second_sweep_settles_nothing_twice(session):
    ch = make_challenge(session, days=2, deposit_minor=200)
    a, b = enroll(session, ch, 2)
    make_checkin(session, a, 0)
    settle_through(session, ch, 0)
    before = session.scalar(select(func.count()).select_from(ledger.LedgerTransaction))
    assert settle_through(session, ch, 0).settled == []
    assert session.scalar(select(func.count()).select_from(ledger.LedgerTransaction)) == before
    # Settling the same day by hand again fails on the unique (challenge, day) key.
    session.execute(
        Challenge.__table__.update()
        .where(Challenge.id == ch.id)
        .values(settled_days=0, next_due_at=due(ch, 0))
    )
    session.commit()
    with travel(due(ch, 0)):
        result = settle_due_days(session, now=due(ch, 0), commit=session.commit)
    assert result.settled == [] and len(result.failed) == 1
    assert session.scalar(select(func.count()).select_from(ledger.LedgerTransaction)) == before
