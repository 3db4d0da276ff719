"""A whole 7-day challenge through the sweep, with every amount worked out by hand.

Four members (A, B, C, D) put down D = 70.03 CNY (7003 fen) for 7 days: the stakes are
1000 fen on days 0-5 and 1003 on day 6 (7003 - 6 * 1000). The fee is 5 % (500 bps), the split
equal, two misses are allowed (the third eliminates) and one rest day.

day 0  A 05:01, B 05:02, C 05:03 in; D misses (1).   pot 1000: fee 50, 950 / 3 = 316 r 2
       -> A 317, B 317 (earliest risers get the extra fen), C 316
day 1  everyone in: the pot is empty, nothing to split (and no fee on nothing)
day 2  A, B in; C misses (1), D misses (2).           pot 2000: fee 100, 1900 / 2 = 950 each
day 3  nobody checks in. D misses a third time: eliminated, forfeits 1000 + the 3003 still
       held; A, B, C miss once more (1000 each).     pot 7003, no winners: it all carries
day 4  B quits before the window: forfeits all it still holds (3003).
       C 05:05, A 05:10 in.                          pot 7003 + 3003 = 10006: fee 500, 9506 / 2
       -> 4753 each
day 5  A's declared rest day (1000 back, not a winner); C in. Nothing forfeited, nothing split.
day 6  A misses (2nd miss: still allowed), forfeits 1003; C in.
                                                     pot 1003: fee 50, C wins 953
       After the last day A and C are completed; the pot is empty.

Totals (fen): returned / forfeited / won
A: 5000 / 2003 / 317 + 950 + 4753 = 6020
B: 3000 / 1000 + 3003 = 4003 / 317 + 950 = 1267 (withdrawn)
C: 5003 / 2000 / 316 + 4753 + 953 = 6022
D: 1000 / 1000 + 1000 + 4003 = 6003 / 0 (eliminated on day 3)
fees 50 + 100 + 500 + 50 = 700; forfeits 14009 = fees 700 + winnings 13309.
"""

from __future__ import annotations

from datetime import timedelta

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import ChallengeStatus, DaySettlement, Member
from habits.services import daymarks
from habits.services.receipts import day_statement, enrollment_receipts
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment
from tests.settlement.helpers import assert_books_clean, money, sweep
from tests.timehelpers import travel

S = EnrollmentStatus


def _due(challenge, k):
    return at_local(challenge, k, "07:10")


def test_a_whole_week_settles_to_the_cent(session):
    ch = make_challenge(session, deposit_minor=7003, days=7, fee_bps=500, max_misses=2, rest_days=1)
    with travel(at_local(ch, 0, "04:00") - timedelta(days=1)):
        a, b, c, d = (make_enrollment(session, ch, status=S.ACTIVE) for _ in range(4))
        daymarks.declare_rest_day(
            session, a.id, member=session.get(Member, a.member_id), day_index=5, now=at_local(ch, -1, "12:00")
        )
        session.commit()

    checkins = {
        0: [(a, "05:01"), (b, "05:02"), (c, "05:03")],
        1: [(a, "05:01"), (b, "05:02"), (c, "05:03"), (d, "05:04")],
        2: [(a, "05:01"), (b, "05:02")],
        3: [],
        4: [(c, "05:05"), (a, "05:10")],
        5: [(c, "05:05")],
        6: [(c, "05:05")],
    }
    for k in range(7):
        if k == 4:
            with travel(at_local(ch, 4, "04:00")):
                b.status, b.withdrew_at = S.WITHDRAWN, at_local(ch, 4, "04:00")  # the quit service's effect
                session.commit()
        for who, hhmm in checkins[k]:
            with travel(at_local(ch, k, hhmm)):
                make_checkin(session, who, k, at=at_local(ch, k, hhmm))
        with travel(_due(ch, k)):
            result = sweep(session, _due(ch, k))
        assert result.settled == [(ch.id, k)]
        assert_books_clean(session)

    days = {d.day_index: d for d in session.query(DaySettlement).filter_by(challenge_id=ch.id)}
    figures = {
        k: (x.pot_minor, x.fee_minor, x.split_minor, x.carried_minor, x.winners) for k, x in days.items()
    }
    assert figures == {
        0: (1000, 50, 950, 0, 3),
        1: (0, 0, 0, 0, 4),
        2: (2000, 100, 1900, 0, 2),
        3: (7003, 0, 0, 7003, 0),
        4: (10006, 500, 9506, 0, 2),
        5: (0, 0, 0, 0, 1),
        6: (1003, 50, 953, 0, 1),
    }
    day0 = day_statement(session, ch.id, 0)
    won = {line["enrollment_id"]: line["amount_minor"] for line in day0["lines"] if line["kind"] == "won"}
    assert won == {a.id: 317, b.id: 317, c.id: 316}

    expected = {
        a: (S.COMPLETED, 5000, 2003, 6020),
        b: (S.WITHDRAWN, 3000, 4003, 1267),
        c: (S.COMPLETED, 5003, 2000, 6022),
        d: (S.ELIMINATED, 1000, 6003, 0),
    }
    for who, (status, returned, forfeited, won_) in expected.items():
        m = money(session, who)
        assert (who.status, m["returned_minor"], m["forfeited_minor"], m["won_minor"], m["held_minor"]) == (
            status, returned, forfeited, won_, 0
        )  # fmt: skip
    assert d.ended_day_index == 3 and b.ended_day_index == 4 and a.misses == 2
    session.refresh(ch)
    assert ch.status == ChallengeStatus.COMPLETED and ch.settled_days == 7 and ch.next_due_at is None
    receipts = enrollment_receipts(session, a)["items"]
    assert [r["kind"] for r in receipts] == [
        "returned",
        "returned",
        "returned",
        "missed",
        "returned",
        "rest_day",
        "missed",
    ]
    assert receipts[4]["won_minor"] == 4753
    assert_books_clean(session)
