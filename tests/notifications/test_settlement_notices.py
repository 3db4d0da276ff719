"""A settled day tells each member what happened to them: the amounts are the ones their wallet
received, the kinds follow their outcome, each is told once, and the pushed kinds are queued.

Asia/Shanghai, window 05:00-07:00, review 10 minutes (day k is due at 07:10 local).
"""

from __future__ import annotations

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import RestDay, Split
from habits.services.settlement import settle_due_days
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment
from tests.notifications.helpers import add_device, deliveries, kinds_told, told
from tests.settlement.helpers import assert_books_clean, balance_of, sweep
from tests.timehelpers import travel

S = EnrollmentStatus


def enroll(session, ch, n):
    with travel(at_local(ch, -1, "12:00")):
        return [make_enrollment(session, ch, status=S.ACTIVE) for _ in range(n)]


def settle(session, ch, k):
    with travel(at_local(ch, k, "07:10")):
        return sweep(session, at_local(ch, k, "07:10"))


def wallet(session, enrollment):
    return balance_of(session, enrollment.wallet_account_id)


def test_each_member_is_told_their_day_with_the_amounts_their_wallet_received(session):
    ch = make_challenge(session, days=3, deposit_minor=300, max_misses=1, fee_bps=1000)  # stakes 100
    winner, rester, misser, other_winner = enroll(session, ch, 4)
    session.add(
        RestDay(
            enrollment_id=rester.id, challenge_id=ch.id, day_index=0, declared_at=at_local(ch, -1, "13:00")
        )
    )
    session.commit()
    make_checkin(session, winner, 0, at=at_local(ch, 0, "05:01"))
    make_checkin(session, other_winner, 0, at=at_local(ch, 0, "05:02"))
    before = {e.id: wallet(session, e) for e in (winner, rester, misser, other_winner)}
    settle(session, ch, 0)
    # pot 100 from the miss, fee 10, 90 split: 45 each
    # the day's badges ride on its notice (the risers'; the others earned none)
    for enrollment, kind, returned, won, forfeited, badges in [
        (winner, "day_won", 100, 45, 0, "earliest_riser,top_three"),
        (other_winner, "day_won", 100, 45, 0, "top_three"),
        (rester, "day_rested", 100, 0, 0, None),
        (misser, "day_missed", 0, 0, 100, None),
    ]:
        (note,) = told(session, enrollment.member_id, kind)
        assert note.params["returned_minor"] == returned and note.params["won_minor"] == won
        assert note.params["forfeited_minor"] == forfeited
        assert wallet(session, enrollment) - before[enrollment.id] == returned + won
        assert note.params | {"returned_minor": 0, "won_minor": 0, "forfeited_minor": 0} == {
            "challenge_id": ch.id,
            "challenge": ch.title,
            "day_index": 0,
            "currency": "CNY",
            "returned_minor": 0,
            "won_minor": 0,
            "forfeited_minor": 0,
            "badges": badges,
        }
        assert note.dedupe_key == f"settled:{enrollment.id}:0"
    # max_misses 1: the misser's next miss eliminates, and they are warned (pushed)
    assert kinds_told(session, misser.member_id) == ["day_missed", "last_chance"]
    assert_books_clean(session)


def test_the_miss_too_many_eliminates_and_says_what_left_the_deposit(session):
    ch = make_challenge(session, days=3, deposit_minor=300, max_misses=0)
    (out,) = enroll(session, ch, 1)
    device, _keys = add_device(session, out.member_id)
    settle(session, ch, 0)
    (note,) = told(session, out.member_id)
    assert note.kind == "eliminated" and note.params["forfeited_minor"] == 300
    # eliminated is pushed: one delivery for the member's device, queued in the same transaction
    assert [(d.notification_id, d.subscription_id, d.status.value) for d in deliveries(session)] == [
        (note.id, device.id, "queued")
    ]


def test_the_last_day_tells_each_finisher_everything_that_came_back_and_was_won(session):
    ch = make_challenge(session, days=2, deposit_minor=201, max_misses=5)  # stakes 100, 101
    a, b, c = enroll(session, ch, 3)
    make_checkin(session, a, 0)
    make_checkin(session, b, 0)
    settle(session, ch, 0)  # c misses day 0: 100 into the pot, a and b share it: 50 each
    before = {e.id: wallet(session, e) for e in (a, b, c)}
    settle(session, ch, 1)  # nobody checks in on the last day: the pot (101 x 3) is shared by all three
    for enrollment in (a, b, c):
        (note,) = told(session, enrollment.member_id, "challenge_finished")
        got = wallet(session, enrollment) - before[enrollment.id]
        assert note.params["returned_minor"] + note.params["won_minor"] == got
        assert note.dedupe_key == f"settled:{enrollment.id}:1"
    assert (
        sum(told(session, e.member_id, "challenge_finished")[0].params["won_minor"] for e in (a, b, c)) == 303
    )
    assert not told(session, kind="last_chance")
    assert_books_clean(session)


def test_a_random_split_tells_each_winner_the_share_it_paid(session):
    ch = make_challenge(session, days=2, deposit_minor=2000, max_misses=3, split=Split.RANDOM)
    winners = enroll(session, ch, 5)
    enroll(session, ch, 3)  # they miss: 3 x 1000 into the pot
    for minute, enrollment in enumerate(winners):
        make_checkin(session, enrollment, 0, at=at_local(ch, 0, f"05:0{minute}"))
    before = {e.id: wallet(session, e) for e in winners}
    settle(session, ch, 0)
    won = []
    for enrollment in winners:
        (note,) = told(session, enrollment.member_id, "day_won")
        assert (
            note.params["returned_minor"] + note.params["won_minor"]
            == wallet(session, enrollment) - before[enrollment.id]
        )
        won.append(note.params["won_minor"])
    assert sum(won) == 3000


def test_a_day_is_told_once_however_often_the_sweep_runs(session):
    ch = make_challenge(session, days=3, deposit_minor=300)
    (a,) = enroll(session, ch, 1)
    make_checkin(session, a, 0)
    settle(session, ch, 0)
    with travel(at_local(ch, 0, "07:30")):
        again = settle_due_days(session, now=at_local(ch, 0, "07:30"), commit=session.commit)
    assert again.settled == []
    # the day's badges (earliest riser, top three) ride on its notice
    assert kinds_told(session, a.member_id) == ["day_won"]


def test_quitters_are_not_told_a_day_they_left(session):
    ch = make_challenge(session, days=3, deposit_minor=300)
    stayer, quitter = enroll(session, ch, 2)
    quitter.status = S.WITHDRAWN
    quitter.withdrew_at = at_local(ch, 0, "05:30")
    session.commit()
    settle(session, ch, 0)
    assert told(session, quitter.member_id) == []
    assert kinds_told(session, stayer.member_id) == ["day_missed"]


def test_any_title_survives_the_json_the_database_writes(session):
    title = 'Rise "early" \\ 早起 {}: 100%'
    ch = make_challenge(session, days=3, deposit_minor=300, title=title)
    (a,) = enroll(session, ch, 1)
    make_checkin(session, a, 0)
    settle(session, ch, 0)
    (note,) = told(session, a.member_id, "day_won")
    assert note.params["challenge"] == title and note.params["returned_minor"] == 100
    assert note.params["badges"] == "earliest_riser,top_three"
