"""The launch form's preview says what settlement then does: the example day of the preview
(``habits.web.launch_preview``, worked by ``habits.domain.example_day``) against a real sweep of
a challenge launched with the same rules, with as many members and misses as the example."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import DaySettlement, Split
from habits.services import challenges
from habits.web.launch_preview import money_rules, preview_of
from tests.factories import at_local, make_checkin, make_community, make_enrollment, make_member
from tests.settlement.helpers import assert_books_clean, balance_of, money, sweep
from tests.timehelpers import local, travel

S = EnrollmentStatus

CASES = [
    # (what the form says, in its fields' words)
    {"deposit": "100", "days": "10", "max_misses": "1", "fee_percent": "2.5", "split": "equal"},
    # stakes 1000 x 6 + 1001; the first miss eliminates with the whole deposit; 3.33 % fee
    {"deposit": "70.01", "days": "7", "max_misses": "0", "fee_percent": "3.33", "split": "equal"},
    # a remainder: 3 missers x 333 = 999, fee 0, 999 among 12 -> 83 each and 3 extra units
    {"deposit": "33.33", "days": "10", "max_misses": "2", "fee_percent": "0", "split": "equal",
     "min_participants": "15"},
    # a one-day challenge: day 1 is also the last day
    {"deposit": "9", "days": "1", "max_misses": "0", "fee_percent": "10", "split": "equal"},
    # the lucky draw: only what it guarantees
    {"deposit": "200", "days": "2", "max_misses": "1", "fee_percent": "2.5", "split": "random"},
    # a whole-number currency
    {"deposit": "7000", "days": "7", "max_misses": "1", "fee_percent": "1", "split": "equal",
     "currency": "JPY"},
]  # fmt: skip


@pytest.mark.parametrize("typed", CASES, ids=lambda case: "-".join(case.values()))
def test_the_previewed_day_is_the_day_settlement_settles(app, session, typed):
    values = {"currency": "CNY", "min_participants": "2", **typed}
    with app.test_request_context():  # the preview reads amounts in the page's language
        preview = preview_of(money_rules(values))
    example, rules = preview.example, preview.rules

    organizer = make_member(session)
    community = make_community(session, organizer)
    launch_at = local("Asia/Shanghai", date(2026, 4, 29), "12:00")
    challenge = challenges.launch_challenge(
        session,
        community,
        organizer,
        rules={
            "title": "Preview check",
            "timezone": "Asia/Shanghai",
            "start_date": date(2026, 5, 4),
            "days": rules.days,
            "window_open": "05:00",
            "window_close": "07:00",
            "deposit_minor": rules.deposit_minor,
            "currency": rules.currency,
            "max_misses": rules.max_misses,
            "min_participants": rules.min_participants,
            "fee_bps": rules.fee_bps,
            "split": Split.RANDOM if rules.random_split else Split.EQUAL,
        },
        now=launch_at,
    )
    session.commit()
    with travel(at_local(challenge, -2, "12:00")):
        members = [make_enrollment(session, challenge, status=S.ACTIVE) for _ in range(example.members)]
    winners, missers = members[example.missers :], members[: example.missers]
    for minute, enrollment in enumerate(winners):  # check-in order: the order extra units go in
        make_checkin(session, enrollment, 0, at=at_local(challenge, 0, "05:00") + timedelta(seconds=minute))
    due = at_local(challenge, 0, "07:10")
    with travel(due):
        sweep(session, at_local(challenge, 0, "05:00"))
        sweep(session, due)

    day = session.scalar(select(DaySettlement).where(DaySettlement.challenge_id == challenge.id))
    assert preview.stake_minor == day.stake_minor == example.stake_minor
    assert (day.pot_minor, day.fee_minor, day.split_minor) == (
        example.pot_minor,
        example.fee_minor,
        example.split_minor,
    )
    assert day.winners == example.winners and day.eliminated == (example.missers if example.eliminated else 0)
    for enrollment in missers:
        assert money(session, enrollment)["forfeited_minor"] == example.forfeit_each_minor
    won = [money(session, enrollment)["won_minor"] for enrollment in winners]
    back = [balance_of(session, enrollment.wallet_account_id) for enrollment in winners]
    if example.random:
        assert sum(won) == example.split_minor and min(won) >= example.share_minor
    else:
        expected = [example.share_minor + 1] * example.extra_units + [example.share_minor] * (
            example.winners - example.extra_units
        )
        assert won == expected
        assert back[-1] == example.winner_back_minor  # the last to check in: no extra unit
    assert_books_clean(session)
