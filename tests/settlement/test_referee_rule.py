"""The probe that found "organizers referee their own game", replayed through the real services
and the settlement sweep: it can no longer move money (SPEC "Nobody referees a challenge they
play in").

Two organizers enrolled in their own challenge never checked in. Before the rule each accepted an
"appeal" for the other and one voided the only real check-in of the day: with ``max_misses = 0``
the member was eliminated and the organizers kept their deposits and won hers.
"""

from __future__ import annotations

import pytest

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Role
from habits.services import daymarks
from habits.services.checkins import void_check_in
from habits.services.referees import RefereePlaysIn
from tests.factories import (
    add_to_community,
    at_local,
    make_challenge,
    make_checkin,
    make_community,
    make_enrollment,
    make_member,
)
from tests.settlement.helpers import assert_books_clean, money, sweep
from tests.timehelpers import travel

S = EnrollmentStatus


def test_organizers_who_play_cannot_win_a_members_deposit_by_refereeing(session):
    olga, carl, mia = (make_member(session, display_name=name) for name in ("Olga", "Carl", "Mia"))
    community = make_community(session, olga)
    add_to_community(session, community, carl, Role.CO_ORGANIZER)
    add_to_community(session, community, mia)
    ch = make_challenge(session, community, days=2, deposit_minor=200, max_misses=0)
    with travel(at_local(ch, -1, "12:00")):
        olgas, carls, mias = (make_enrollment(session, ch, m, status=S.ACTIVE) for m in (olga, carl, mia))
    real = make_checkin(session, mias, 0, at=at_local(ch, 0, "05:10"))

    review = at_local(ch, 0, "07:05")  # the window has closed; the day is not due until 07:10
    attempts = {
        "Olga records Carl's check-in": lambda: daymarks.accept_appeal(
            session, ch.id, organizer=olga, day_index=0, enrollment_id=carls.id, reason="forgot", now=review
        ),
        "Carl records Olga's check-in": lambda: daymarks.accept_appeal(
            session, ch.id, organizer=carl, day_index=0, enrollment_id=olgas.id, reason="forgot", now=review
        ),
        "Olga voids Mia's check-in": lambda: void_check_in(
            session, real, olga, reason="doubtful", now=review
        ),
        "Carl excuses the day": lambda: daymarks.excuse_day(
            session, ch.id, organizer=carl, day_index=0, reason="rain", now=review
        ),
    }
    for what, attempt in attempts.items():
        try:
            attempt()
        except RefereePlaysIn:
            session.rollback()
            continue
        pytest.fail(f"{what}: allowed, though both organizers play in the challenge")

    with travel(at_local(ch, 0, "07:10")):
        sweep(session, at_local(ch, 0, "07:10"))
    # the organizers missed day 0 like anyone would: out, with their deposits in the pot, and the
    # member who checked in wins it
    assert [e.status for e in (olgas, carls, mias)] == [S.ELIMINATED, S.ELIMINATED, S.ACTIVE]
    assert money(session, olgas)["forfeited_minor"] == money(session, carls)["forfeited_minor"] == 200
    assert money(session, mias)["won_minor"] == 400
    assert money(session, olgas)["won_minor"] == money(session, carls)["won_minor"] == 0
    assert_books_clean(session)
