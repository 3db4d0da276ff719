"""Appeal requests (habits.services.appeals): a member asks until the day is due, for a day that
does not count; one request waits per day; an organizer who does not play decides; accepting
records the check-in (and the day then settles as a success), refusing keeps the reason; every
decision is in the referee log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import (
    AppealRequest,
    AppealStatus,
    CheckIn,
    CheckInSource,
    Notification,
    RefereeKind,
    RefereeLogEntry,
    Role,
)
from habits.services import appeals, daymarks, referees
from habits.services.checkins import void_check_in
from habits.services.errors import Forbidden, InvalidInput, NotFound
from habits.services.photos import PhotoStore, accept_photo
from habits.services.receipts import enrollment_receipts
from habits.services.referees import RefereePlaysIn
from tests import images
from tests.factories import (
    add_to_community,
    at_local,
    make_challenge,
    make_checkin,
    make_community,
    make_enrollment,
    make_member,
)
from tests.settlement.helpers import assert_books_clean, sweep
from tests.timehelpers import travel

S = EnrollmentStatus


@pytest.fixture
def club(session):
    """Olga organizes, Carl co-organizes; Mia and Max play in a 7-day challenge (05:00-07:00
    Asia/Shanghai, review 10 minutes, one rest day); Mia checked in on day 1 at 05:10 and Olga
    voided it at 05:30."""
    olga = make_member(session, display_name="Olga")
    carl = make_member(session, display_name="Carl")
    mia = make_member(session, display_name="Mia")
    max_ = make_member(session, display_name="Max")
    community = make_community(session, olga)
    add_to_community(session, community, carl, Role.CO_ORGANIZER)
    add_to_community(session, community, mia)
    add_to_community(session, community, max_)
    challenge = make_challenge(session, community, rest_days=1)
    mine = make_enrollment(session, challenge, mia, status=S.ACTIVE)
    his = make_enrollment(session, challenge, max_, status=S.ACTIVE)
    checkin = make_checkin(session, mine, 1, at=at_local(challenge, 1, "05:10"))
    void_check_in(session, checkin, olga, reason="yesterday's photo", now=at_local(challenge, 1, "05:30"))
    session.commit()
    return challenge, olga, carl, mia, max_, mine, his, checkin


def ask(session, enrollment, member, day, *, at, reason="I was up, the photo is today's", **kwargs):
    appeal = appeals.ask_appeal(
        session, enrollment.id, member=member, day_index=day, reason=reason, now=at, **kwargs
    )
    session.commit()
    return appeal


def refusal_of(call) -> str:
    try:
        call()
    except Exception as refusal:  # noqa: BLE001 - the code is what is asserted
        return getattr(refusal, "code", type(refusal).__name__)
    return "allowed"


# --- asking --------------------------------------------------------------------------------------


def test_a_member_asks_about_a_voided_check_in_with_a_photo(session, club, app, tmp_path):
    challenge, _olga, _carl, mia, _max, mine, _his, _checkin = club
    store = PhotoStore(tmp_path / "photos")
    photo = accept_photo(images.png(), max_bytes=100_000)
    appeal = ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:00"), photo=photo, photo_store=store)
    assert (appeal.status, appeal.day_index, appeal.challenge_id) == (AppealStatus.PENDING, 1, challenge.id)
    assert appeal.reason == "I was up, the photo is today's"
    assert appeal.asked_at == at_local(challenge, 1, "06:00")
    assert appeal.photo_content_type == "image/png" and Path(store.path(appeal.photo_path)).is_file()
    assert (appeal.decided_at, appeal.decided_by_id, appeal.decision_reason) == (None, None, None)


def test_asking_is_possible_until_the_day_is_due_and_not_after(session, club):
    """Day 1 closes at 07:00 and is due at 07:10 (review 10 minutes); the clock is time-machine's."""
    challenge, _olga, _carl, mia, max_, mine, his, _checkin = club
    outcomes = {}
    for label, wall in [("in the review", "07:09"), ("at the due instant", "07:10")]:
        with travel(at_local(challenge, 1, wall)):
            outcomes[label] = refusal_of(
                lambda: appeals.ask_appeal(
                    session, his.id, member=max_, day_index=1, reason="forgot to tap", now=datetime.now(UTC)
                )
            )
            session.rollback()
    with travel(at_local(challenge, 1, "07:10")):
        late = refusal_of(
            lambda: appeals.ask_appeal(
                session, mine.id, member=mia, day_index=1, reason="r", now=datetime.now(UTC)
            )
        )
    assert outcomes == {"in the review": "allowed", "at the due instant": "appeal_too_late"}
    assert late == "appeal_too_late"


def test_what_cannot_be_appealed(session, club):
    challenge, _olga, _carl, mia, max_, mine, his, _checkin = club
    make_checkin(session, his, 2, at=at_local(challenge, 2, "05:05"))  # a valid check-in on day 2
    daymarks.declare_rest_day(session, his.id, member=max_, day_index=4, now=at_local(challenge, 3, "12:00"))
    session.commit()
    at = at_local(challenge, 2, "06:00")
    cases = {
        "someone else's enrollment": lambda: ask(session, his, mia, 1, at=at),
        "a day before its window": lambda: ask(session, mine, mia, 3, at=at),
        "a day outside the challenge": lambda: ask(session, mine, mia, 7, at=at),
        "a day that counts": lambda: ask(session, his, max_, 2, at=at),
        "an open window without a check-in": lambda: ask(session, mine, mia, 2, at=at),
        "a blank reason": lambda: ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:00"), reason="  "),
        "a rest day": lambda: ask(session, his, max_, 4, at=at_local(challenge, 4, "07:05")),
    }
    outcomes = {}
    for label, call in cases.items():
        outcomes[label] = refusal_of(call)
        session.rollback()
    assert outcomes == {
        "someone else's enrollment": "not_found",
        "a day before its window": "appeal_day_not_open",
        "a day outside the challenge": "invalid_input",
        "a day that counts": "appeal_not_needed",
        "an open window without a check-in": "appeal_check_in_instead",
        "a blank reason": "invalid_input",
        "a rest day": "appeal_not_needed",
    }
    his.status = S.ELIMINATED
    session.commit()
    assert (
        refusal_of(lambda: ask(session, his, max_, 1, at=at_local(challenge, 1, "07:05")))
        == "appeal_not_active"
    )
    # the forgotten tap: no check-in at all, once the window has closed
    assert ask(session, mine, mia, 2, at=at_local(challenge, 2, "07:01")).status == AppealStatus.PENDING


def test_one_request_waits_per_day_and_a_refused_one_may_be_followed(session, club):
    challenge, _olga, carl, mia, _max, mine, _his, _checkin = club
    first = ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:00"))
    with pytest.raises(appeals.AppealAlreadyPending) as waiting:
        ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:01"))
    session.rollback()
    assert waiting.value.extra["appeal_id"] == first.id
    appeals.decide_appeal(
        session,
        first.id,
        organizer=carl,
        accept=False,
        reason="the photo is blurred",
        now=at_local(challenge, 1, "06:10"),
    )
    session.commit()
    second = ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:20"), reason="here is a sharp one")
    assert second.id != first.id and second.status == AppealStatus.PENDING


def test_the_database_itself_keeps_one_waiting_request_per_day(session, club):
    challenge, _olga, _carl, _mia, _max, mine, _his, _checkin = club

    def row(status):
        return AppealRequest(
            enrollment_id=mine.id,
            challenge_id=challenge.id,
            day_index=1,
            reason="r",
            status=status,
            asked_at=at_local(challenge, 1, "06:00"),
        )

    session.add_all([row(AppealStatus.REFUSED), row(AppealStatus.REFUSED), row(AppealStatus.PENDING)])
    session.commit()  # decided ones may repeat
    session.add(row(AppealStatus.PENDING))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


# --- deciding ------------------------------------------------------------------------------------


def test_the_referee_rule_decides_who_may_decide(session, club):
    challenge, olga, carl, mia, max_, mine, _his, _checkin = club
    appeal = ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:00"))
    make_enrollment(session, challenge, olga, status=S.ACTIVE)  # Olga now plays
    stranger = make_member(session)
    at = at_local(challenge, 1, "06:30")

    def decide(who):
        return lambda: appeals.decide_appeal(
            session, appeal.id, organizer=who, accept=False, reason="no", now=at
        )

    outcomes = {}
    for label, who in [
        ("olga plays", olga),
        ("mia asked", mia),
        ("max plays", max_),
        ("a stranger", stranger),
    ]:
        outcomes[label] = refusal_of(decide(who))
        session.rollback()
    assert outcomes == {
        "olga plays": "referee_plays_in_challenge",
        "mia asked": "forbidden",
        "max plays": "not_found",  # a member's request is not his to see
        "a stranger": "not_found",
    }
    with pytest.raises(RefereePlaysIn) as refused:
        decide(olga)()
    session.rollback()
    assert refused.value.extra["free_referees"] == ["Carl"]
    assert refusal_of(decide(carl)) == "allowed"


def test_accepting_records_the_check_in_and_the_day_settles_as_a_success(session, club):
    challenge, _olga, carl, mia, _max, mine, _his, checkin = club
    appeal = ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:00"))
    decided = appeals.decide_appeal(
        session,
        appeal.id,
        organizer=carl,
        accept=True,
        reason="same sunrise as the others",
        now=at_local(challenge, 1, "07:05"),
    )
    session.commit()
    session.refresh(checkin)
    assert (decided.status, decided.decided_by_id, decided.check_in_id) == (
        AppealStatus.ACCEPTED,
        carl.id,
        checkin.id,
    )
    assert decided.decision_reason == "same sunrise as the others"
    (told,) = [n for n in kinds_and_params(session, mia.id) if n[0].startswith("appeal_")]
    assert told == ("appeal_accepted", {"by": "Carl", "day_index": 1, "reason": "same sunrise as the others"})
    assert checkin.voided_at is None and checkin.source == CheckInSource.APPEAL
    assert checkin.recorded_by_id == carl.id and checkin.appeal_reason == "same sunrise as the others"
    log = session.scalars(select(RefereeLogEntry).order_by(RefereeLogEntry.id)).all()
    assert [(e.kind, e.referee_id, e.enrollment_id) for e in log][-1] == (
        RefereeKind.APPEAL,
        carl.id,
        mine.id,
    )
    # the day is due at 07:10: the sweep settles days 0 and 1; day 1 is Mia's success
    sweep(session, at_local(challenge, 1, "07:11"))
    receipts = {r["day_index"]: r for r in enrollment_receipts(session, mine)["items"]}
    session.refresh(mine)
    assert receipts[1]["kind"] == "returned" and receipts[1]["returned_minor"] == 1000
    assert (
        receipts[1]["forfeited_minor"] == 0 and receipts[1]["won_minor"] > 0
    )  # Max missed: his stake is hers
    assert mine.misses == 1  # day 0 only
    assert_books_clean(session)


def test_refusing_keeps_the_reason_in_the_log_and_the_day_stays_a_miss(session, club):
    challenge, _olga, carl, mia, _max, mine, _his, checkin = club
    appeal = ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:00"))
    decided = appeals.decide_appeal(
        session,
        appeal.id,
        organizer=carl,
        accept=False,
        reason="that photo is from Monday",
        now=at_local(challenge, 1, "06:30"),
    )
    session.commit()
    assert (decided.status, decided.decision_reason) == (AppealStatus.REFUSED, "that photo is from Monday")
    lines, total = referees.referee_log(session, challenge, mia, page=1, per_page=10)
    refused = lines[0]
    assert (refused.kind, refused.referee_name, refused.participant_name) == (
        RefereeKind.APPEAL_REFUSED,
        "Carl",
        "Mia",
    )
    assert (refused.reason, refused.day_index, refused.acted_at) == (
        "that photo is from Monday",
        1,
        at_local(challenge, 1, "06:30"),
    )
    assert total == 2  # the void, then the refusal
    (told,) = [n for n in kinds_and_params(session, mia.id) if n[0].startswith("appeal_")]
    assert told == ("appeal_refused", {"by": "Carl", "day_index": 1, "reason": "that photo is from Monday"})
    with pytest.raises(appeals.AppealAlreadyDecided):
        appeals.decide_appeal(
            session,
            appeal.id,
            organizer=carl,
            accept=True,
            reason="after all",
            now=at_local(challenge, 1, "06:40"),
        )
    session.rollback()
    sweep(session, at_local(challenge, 1, "07:11"))
    receipts = {r["day_index"]: r for r in enrollment_receipts(session, mine)["items"]}
    assert receipts[1]["kind"] == "missed" and receipts[1]["forfeited_minor"] == 1000
    session.refresh(checkin)
    assert checkin.voided_at is not None


def test_after_the_day_is_due_a_request_can_only_be_refused(session, club):
    challenge, _olga, carl, mia, _max, mine, _his, _checkin = club
    appeal = ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:00"))
    late = at_local(challenge, 1, "07:10")
    with pytest.raises(appeals.AppealTooLate):
        appeals.decide_appeal(session, appeal.id, organizer=carl, accept=True, reason="ok", now=late)
    session.rollback()
    appeals.decide_appeal(
        session, appeal.id, organizer=carl, accept=False, reason="too late to look", now=late
    )
    session.commit()
    assert session.get(AppealRequest, appeal.id).status == AppealStatus.REFUSED


def test_a_blank_decision_reason_is_a_field_error(session, club):
    challenge, _olga, carl, mia, _max, mine, _his, _checkin = club
    appeal = ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:00"))
    with pytest.raises(InvalidInput) as refused:
        appeals.decide_appeal(
            session, appeal.id, organizer=carl, accept=False, reason=" ", now=at_local(challenge, 1, "06:10")
        )
    assert list(refused.value.errors) == ["reason"]


def test_recording_the_check_in_the_old_way_accepts_the_waiting_request(session, club):
    challenge, _olga, carl, mia, _max, mine, _his, _checkin = club
    appeal = ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:00"))
    checkin = daymarks.accept_appeal(
        session,
        challenge.id,
        organizer=carl,
        day_index=1,
        enrollment_id=mine.id,
        reason="saw her",
        now=at_local(challenge, 1, "06:30"),
    )
    session.commit()
    session.refresh(appeal)
    assert (appeal.status, appeal.check_in_id, appeal.decision_reason) == (
        AppealStatus.ACCEPTED,
        checkin.id,
        "saw her",
    )


# --- reading -------------------------------------------------------------------------------------


def test_the_member_reads_the_void_who_did_it_and_whether_to_ask(session, club):
    challenge, _olga, carl, mia, _max, mine, _his, _checkin = club
    days = appeals.member_days(session, mine, now=at_local(challenge, 1, "06:00"))
    assert [d.day_index for d in days] == [1]  # day 0 is due (though not settled): past appeal
    day = days[0]
    assert (day.voided, day.voided_by_name, day.void_reason) == (True, "Olga", "yesterday's photo")
    assert day.may_ask and day.worth_showing and day.stake_minor == 1000
    assert day.due_at == at_local(challenge, 1, "07:10")
    ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:00"))
    waiting = appeals.member_days(session, mine, now=at_local(challenge, 1, "06:05"))[-1]
    assert waiting.appeal.status == AppealStatus.PENDING and not waiting.may_ask
    appeals.decide_appeal(
        session,
        waiting.appeal.id,
        organizer=carl,
        accept=True,
        reason="fine",
        now=at_local(challenge, 1, "06:10"),
    )
    session.commit()
    accepted = appeals.member_days(session, mine, now=at_local(challenge, 1, "06:15"))[-1]
    assert accepted.valid and accepted.recorded_on_appeal and not accepted.may_ask
    assert (accepted.appeal.status, accepted.appeal.decided_by_name) == (AppealStatus.ACCEPTED, "Carl")
    assert appeals.member_days(session, mine, now=at_local(challenge, 1, "07:10")) == []


def test_a_missed_day_is_shown_to_active_members_only(session, club):
    challenge, _olga, _carl, _mia, _max, _mine, his, _checkin = club
    after_the_window = at_local(challenge, 1, "07:05")
    active = appeals.member_days(session, his, now=after_the_window)
    his.status = S.ELIMINATED
    session.commit()
    eliminated = appeals.member_days(session, his, now=after_the_window)
    assert [(d.missed, d.may_ask, d.worth_showing) for d in active] == [(True, True, True)]
    assert [(d.missed, d.may_ask, d.worth_showing) for d in eliminated] == [(False, False, False)]


def test_organizers_list_a_challenges_requests_and_members_may_not(session, club):
    challenge, olga, _carl, mia, max_, mine, _his, _checkin = club
    ask(session, mine, mia, 1, at=at_local(challenge, 1, "06:00"))
    outsider = make_member(session)
    lines, total = appeals.challenge_appeals(session, challenge.id, olga, status=AppealStatus.PENDING)
    assert total == 1 and (lines[0].member_name, lines[0].check_in, lines[0].void_reason) == (
        "Mia",
        "voided",
        "yesterday's photo",
    )
    assert appeals.challenge_appeals(session, challenge.id, olga, status=AppealStatus.REFUSED) == ([], 0)
    with pytest.raises(Forbidden):
        appeals.challenge_appeals(session, challenge.id, max_)
    with pytest.raises(NotFound):
        appeals.challenge_appeals(session, challenge.id, outsider)
    assert appeals.visible_appeal(session, lines[0].id, mia).id == lines[0].id
    with pytest.raises(NotFound):
        appeals.visible_appeal(session, lines[0].id, max_)
    assert session.scalar(select(CheckIn.id).where(CheckIn.enrollment_id == mine.id, CheckIn.day_index == 1))
    assert timedelta(0) < lines[0].due_at - lines[0].asked_at


def kinds_and_params(session, member_id: int) -> list[tuple[str, dict]]:
    """What the member was told (habits.services.notifications), with the params a reader needs."""
    keep = ("by", "day_index", "reason")
    return [
        (n.kind, {k: v for k, v in n.params.items() if k in keep})
        for n in session.scalars(
            select(Notification).where(Notification.recipient_id == member_id).order_by(Notification.id)
        )
    ]
