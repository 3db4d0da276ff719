"""The organizer dashboard's figures, read from real rows: enrollments, check-ins, a settled day
and the pot in the ledger."""

from __future__ import annotations

from dataclasses import is_dataclass

import pytest

from habits.domain.calendar import due_at
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Member
from habits.services import challenges, dashboard
from habits.services.errors import Forbidden
from habits.services.leaderboard import Standing
from tests.factories import (
    add_to_community,
    at_local,
    make_challenge,
    make_checkin,
    make_community,
    make_enrollment,
    make_member,
)
from tests.settlement.helpers import sweep


@pytest.fixture
def played(session):
    """Seven days of 1000 each (deposit 7000), no misses allowed. Ann and Bo check in on day 0,
    Cy misses it (eliminated when it settles); a pending enrollment never took part. Day 0 is
    settled; on day 1 Ann checks in, Bo's check-in is voided, Cy's (after elimination) does not
    count for money."""
    organizer = make_member(session, display_name="Org")
    community = make_community(session, organizer)
    challenge = make_challenge(session, community, max_misses=0, deposit_minor=7000, days=7)
    ann, bo, cy = (make_member(session, display_name=name) for name in ("Ann", "Bo", "Cy"))
    for member in (ann, bo, cy):
        add_to_community(session, community, member)
    enrolled = {
        m.display_name: make_enrollment(session, challenge, m, status=EnrollmentStatus.ACTIVE)
        for m in (ann, bo, cy)
    }
    make_enrollment(session, challenge, make_member(session))  # pending: never took part
    make_checkin(session, enrolled["Ann"], 0, at=at_local(challenge, 0, "05:10"))
    make_checkin(session, enrolled["Bo"], 0, at=at_local(challenge, 0, "06:50"))
    sweep(session, due_at(challenge.schedule(), 0, challenge.review_minutes))
    session.refresh(challenge)
    make_checkin(session, enrolled["Ann"], 1, at=at_local(challenge, 1, "05:20"), note="up")
    voided = make_checkin(session, enrolled["Bo"], 1, at=at_local(challenge, 1, "05:30"))
    voided.voided_at, voided.void_reason = at_local(challenge, 1, "05:40"), "yesterday's photo"
    make_checkin(session, enrolled["Cy"], 1, at=at_local(challenge, 1, "05:50"), counts_for_money=False)
    session.commit()
    return challenge, organizer, enrolled


def test_health_day_by_day_from_real_rows(session, played):
    challenge, _organizer, _enrolled = played
    health = dashboard.challenge_health(session, challenge, now=at_local(challenge, 1, "06:00"))
    assert health.started == 3  # the pending enrollment never took part
    day0, day1 = health.days
    assert (day0.day_index, day0.in_play, day0.checked_in, day0.active_after) == (0, 3, 2, 2)
    assert day0.rate_percent == 67 and health.active_percent(day0) == 67
    # day 1: Cy is out; Bo's voided check-in and Cy's late one do not count
    assert (day1.in_play, day1.checked_in, day1.active_after, day1.settlement) == (2, 1, None, None)
    assert day0.settlement.eliminated == 1 and day0.settlement.winners == 2
    # Cy forfeits the whole deposit on day 0; Ann and Bo share it (no fee), nothing stays in the pot
    assert (health.eliminated, health.withdrawn, health.fee_minor) == (1, 0, 0)
    assert health.forfeited_minor == 7000 and health.paid_out_minor == 7000
    assert health.pot_minor == 0 == challenges.pot_minor(session, challenge)


def test_before_day_one_opens_there_is_one_row_with_nothing_in_it(session):
    challenge = make_challenge(session)
    make_enrollment(session, challenge, status=EnrollmentStatus.ACTIVE)
    health = dashboard.challenge_health(session, challenge, now=at_local(challenge, 0, "04:00"))
    assert health.started == 1 and [(d.in_play, d.checked_in) for d in health.days] == [(1, 0)]
    assert dashboard.settled_days(session, challenge) == []


def test_settled_days_are_plain_values(session, played):
    challenge, _organizer, _enrolled = played
    (day0,) = dashboard.settled_days(session, challenge)
    assert is_dataclass(day0) and day0.status == "settled"
    assert (day0.day_index, day0.winners, day0.pot_minor, day0.paid_out_minor) == (0, 2, 7000, 7000)


def test_days_an_organizer_may_still_act_on(session, played):
    challenge, _organizer, _enrolled = played
    during_day1 = at_local(challenge, 1, "06:00")
    assert dashboard.actionable_days(challenge, now=during_day1, opened_only=False) == [1, 2, 3, 4, 5, 6]
    assert dashboard.actionable_days(challenge, now=during_day1, opened_only=True) == [1]
    # day 1 is due at 07:10 though not settled yet: nothing to appeal until day 2 opens
    after_due = at_local(challenge, 1, "07:30")
    assert dashboard.actionable_days(challenge, now=after_due, opened_only=False) == [2, 3, 4, 5, 6]
    assert dashboard.actionable_days(challenge, now=after_due, opened_only=True) == []


def test_the_review_list_holds_the_open_days_check_ins_latest_first(session, played):
    challenge, _organizer, enrolled = played
    review = dashboard.review_queue(session, challenge, days=[1])
    assert [(r.display_name, r.day_index) for r in review] == [("Cy", 1), ("Bo", 1), ("Ann", 1)]
    ann = review[-1]
    assert ann.enrollment_id == enrolled["Ann"].id and ann.note == "up" and not ann.has_photo
    assert review[1].voided_at is not None and review[1].void_reason == "yesterday's photo"
    assert dashboard.review_queue(session, challenge, days=[]) == []


def test_the_whole_dashboard_is_for_organizers(session, played):
    challenge, organizer, enrolled = played
    now = at_local(challenge, 1, "06:00")
    view = dashboard.organizer_dashboard(session, challenge, organizer, now=now)
    assert view.health.started == 3 and view.standings_total == 3
    assert all(isinstance(s, Standing) for s in view.standings)
    assert view.standings[0].display_name == "Ann"
    assert [r.day_index for r in view.review] == [1, 1, 1]
    assert (view.excusable_days, view.appealable_days) == ([1, 2, 3, 4, 5, 6], [1])
    ann = session.get(Member, enrolled["Ann"].member_id)
    with pytest.raises(Forbidden):
        dashboard.organizer_dashboard(session, challenge, ann, now=now)
