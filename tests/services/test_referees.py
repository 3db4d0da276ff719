"""SPEC "Nobody referees a challenge they play in", through the three refereeing services
(void, accept an appeal, excuse), and the referee log they write: who, when and why."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import CheckIn, CheckInSource, Community, ExcusedDay, RefereeKind, RefereeLogEntry, Role
from habits.services import daymarks, referees
from habits.services.checkins import void_check_in
from habits.services.errors import InvalidInput, NotFound
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

S = EnrollmentStatus


@pytest.fixture
def club(session):
    """Olga organizes, Carl co-organizes; Mia, a member, has checked in on day 1 at 05:10."""
    olga = make_member(session, display_name="Olga")
    carl = make_member(session, display_name="Carl")
    mia = make_member(session, display_name="Mia")
    community = make_community(session, olga)
    add_to_community(session, community, carl, Role.CO_ORGANIZER)
    add_to_community(session, community, mia)
    challenge = make_challenge(session, community)
    mine = make_enrollment(session, challenge, mia, status=S.ACTIVE)
    checkin = make_checkin(session, mine, 1, at=at_local(challenge, 1, "05:10"))
    return challenge, olga, carl, mia, mine, checkin


def referee_everything(session, challenge, organizer, enrollment, checkin, at):
    """Each refereeing service once; the refusals it raised (in order: void, appeal, excuse)."""
    refusals = []
    attempts = [
        lambda: void_check_in(session, checkin, organizer, reason="looks faked", now=at),
        lambda: daymarks.accept_appeal(
            session,
            challenge.id,
            organizer=organizer,
            day_index=1,
            enrollment_id=enrollment.id,
            reason="forgot to tap",
            now=at,
        ),  # fmt: skip
        lambda: daymarks.excuse_day(
            session, challenge.id, organizer=organizer, day_index=2, reason="typhoon", now=at
        ),
    ]
    for attempt in attempts:
        try:
            attempt()
            session.commit()
        except RefereePlaysIn as refusal:
            session.rollback()
            refusals.append(refusal)
    return refusals


def log_rows(session, challenge):
    return session.scalar(
        select(func.count()).select_from(RefereeLogEntry).where(RefereeLogEntry.challenge_id == challenge.id)
    )


def test_an_organizer_who_plays_may_not_void_appeal_or_excuse(session, club):
    challenge, olga, carl, _mia, mine, checkin = club
    olgas = make_enrollment(session, challenge, olga, status=S.ACTIVE)
    at = at_local(challenge, 1, "07:05")
    refusals = referee_everything(session, challenge, olga, olgas, checkin, at)
    assert [r.code for r in refusals] == ["referee_plays_in_challenge"] * 3
    assert all(r.status == 403 for r in refusals)
    # the refusal says who may act instead
    assert refusals[0].extra["free_referees"] == ["Carl"] and "(Carl)" in refusals[0].detail
    session.refresh(checkin)
    assert checkin.voided_at is None
    assert session.scalar(select(func.count()).select_from(ExcusedDay)) == 0
    assert (
        session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.enrollment_id == olgas.id))
        == 0
    )
    assert log_rows(session, challenge) == 0


def test_another_organizer_who_does_not_play_may(session, club):
    challenge, olga, carl, _mia, mine, checkin = club
    make_enrollment(session, challenge, olga, status=S.ACTIVE)
    at = at_local(challenge, 1, "07:05")
    assert referee_everything(session, challenge, carl, mine, checkin, at) == []
    session.refresh(checkin)
    # the appeal reinstated the check-in the void had voided: both decisions stay in the log
    assert checkin.voided_at is None and checkin.source == CheckInSource.APPEAL
    assert checkin.recorded_by_id == carl.id
    assert log_rows(session, challenge) == 3
    assert session.scalar(select(ExcusedDay.excused_by_id)) == carl.id


def test_where_every_organizer_plays_nobody_may_and_the_refusal_says_so(session, club):
    challenge, olga, carl, _mia, _mine, checkin = club
    make_enrollment(session, challenge, olga, status=S.ACTIVE)
    make_enrollment(session, challenge, carl, status=S.PENDING_PAYMENT)
    with pytest.raises(RefereePlaysIn) as refused:
        void_check_in(session, checkin, carl, reason="r", now=at_local(challenge, 1, "06:00"))
    assert refused.value.extra["free_referees"] == []
    assert "nobody may" in refused.value.detail


@pytest.mark.parametrize(
    ("status", "withdrew", "plays"),
    [
        (S.PENDING_PAYMENT, None, True),  # the deposit may still arrive
        (S.ACTIVE, None, True),
        (S.SUSPENDED, None, True),
        (S.ELIMINATED, None, True),
        (S.COMPLETED, None, True),
        (S.WITHDRAWN, "after day 0", True),  # played days, and their check-ins still count for streaks
        (S.WITHDRAWN, "before day 0", False),  # left with the whole deposit back (or before paying)
        (S.CANCELLED, None, False),  # never took part
    ],
)
def test_which_enrollments_play_in_the_challenge(session, club, status, withdrew, plays):
    challenge, olga, _carl, _mia, _mine, checkin = club
    withdrew_at = {
        "after day 0": at_local(challenge, 0, "08:00"),
        "before day 0": at_local(challenge, -1, "20:00"),
    }
    make_enrollment(
        session, challenge, olga, status=status, funded=False, withdrew_at=withdrew_at.get(withdrew)
    )
    assert referees.plays_in(session, challenge, olga.id) is plays
    assert (olga in referees.free_referees(session, challenge)) is not plays
    if plays:
        with pytest.raises(RefereePlaysIn):
            void_check_in(session, checkin, olga, reason="r", now=at_local(challenge, 1, "06:00"))
    else:
        void_check_in(session, checkin, olga, reason="r", now=at_local(challenge, 1, "06:00"))
        assert checkin.voided_by_id == olga.id


def test_a_blank_reason_is_refused_for_every_decision(session, club):
    challenge, olga, _carl, _mia, mine, checkin = club
    at = at_local(challenge, 1, "06:00")
    with pytest.raises(InvalidInput):
        void_check_in(session, checkin, olga, reason="   ", now=at)
    with pytest.raises(InvalidInput):
        daymarks.excuse_day(session, challenge.id, organizer=olga, day_index=2, reason=" ", now=at)
    session.rollback()
    assert checkin.voided_at is None and log_rows(session, challenge) == 0


def test_every_decision_is_in_the_log_with_who_when_and_why(session, club):
    challenge, olga, _carl, mia, mine, checkin = club
    void_at, appeal_at, excuse_at = (at_local(challenge, 1, t) for t in ("06:00", "06:30", "06:45"))
    void_check_in(session, checkin, olga, reason="yesterday's photo", now=void_at)
    daymarks.accept_appeal(
        session, challenge.id, organizer=olga, day_index=1, enrollment_id=mine.id, reason="it was today",
        now=appeal_at,
    )  # fmt: skip
    daymarks.excuse_day(session, challenge.id, organizer=olga, day_index=2, reason="typhoon", now=excuse_at)
    daymarks.excuse_for_outage(session, challenge, 3, minutes=11, now=at_local(challenge, 3, "07:10"))
    session.commit()
    lines, total = referees.referee_log(session, challenge, mia, page=1, per_page=10)
    assert total == 4
    got = [
        (line.kind, line.day_index, line.referee_name, line.acted_at, line.reason, line.participant_name)
        for line in lines
    ]
    assert got == [
        (RefereeKind.EXCUSE, 3, None, at_local(challenge, 3, "07:10"), got[0][4], None),
        (RefereeKind.EXCUSE, 2, "Olga", excuse_at, "typhoon", None),
        (RefereeKind.APPEAL, 1, "Olga", appeal_at, "it was today", "Mia"),
        (RefereeKind.VOID, 1, "Olga", void_at, "yesterday's photo", "Mia"),
    ]
    assert got[0][4].startswith("service outage: 11 minutes")
    assert lines[2].enrollment_id == lines[3].enrollment_id == mine.id
    # the row now says the check-in stands; the log still says it was voided first
    session.refresh(checkin)
    assert checkin.voided_at is None and checkin.recorded_by_id == olga.id
    second, total = referees.referee_log(session, challenge, mia, page=2, per_page=3)
    assert [line.kind for line in second] == [RefereeKind.VOID] and total == 4


def test_participants_and_organizers_read_the_log_and_nobody_else(session, club):
    challenge, olga, carl, _mia, _mine, _checkin = club
    quitter = make_member(session)
    add_to_community(session, session.get(Community, challenge.community_id), quitter)
    make_enrollment(session, challenge, quitter, status=S.CANCELLED)
    bystander = make_member(session)
    add_to_community(session, session.get(Community, challenge.community_id), bystander)
    for reader in (olga, carl, quitter):  # a participant "whatever its status"
        assert referees.referee_log(session, challenge, reader, page=1, per_page=5) == ([], 0)
    for stranger in (bystander, make_member(session)):
        with pytest.raises(NotFound):
            referees.referee_log(session, challenge, stranger, page=1, per_page=5)
