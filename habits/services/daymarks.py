"""Marks on a day before it is settled: rest days, excused days, accepted appeals, our outages.

SPEC, "Rest days, excused days and appeals". Each service takes the challenge's row lock
(``FOR UPDATE`` on PostgreSQL; SQLite's single writer serialises anyway) before it checks "is
the day still open?", so a mark and the day's settlement can never interleave: either the mark
lands first and the settlement sees it, or the day is settled and the mark is refused.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from habits.domain.calendar import day_window, due_at
from habits.domain.instants import rfc3339_utc
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import (
    ORGANIZING_ROLES,
    AppealRequest,
    AppealStatus,
    Challenge,
    CheckIn,
    CheckInSource,
    CommunityMembership,
    Enrollment,
    ExcusedDay,
    Member,
    MembershipStatus,
    RefereeKind,
    RestDay,
)
from habits.models.system import Heartbeat
from habits.services import referees
from habits.services.checkins import standing
from habits.services.errors import Forbidden, HabitsError, InvalidInput, NotFound

MAX_REASON = referees.MAX_REASON


# --- refusals (each with its code: habits.web.refusals says them in the member's language) -------
# Their English says "Day k+1", as people count; ``day_index`` in ``extra`` stays 0-based.


class DayAlreadyDue(HabitsError):
    code = "day_already_due"


class EnrollmentNotActive(HabitsError):
    code = "enrollment_not_active"


class RestDayWindowOpened(HabitsError):
    code = "rest_day_window_opened"


class RestDayTaken(HabitsError):
    code = "rest_day_taken"


class RestDaysUsedUp(HabitsError):
    code = "rest_days_used_up"


class DayAlreadyExcused(HabitsError):
    code = "day_already_excused"


class DayNotOpenYet(HabitsError):
    code = "day_not_open_yet"


class AlreadyValidCheckIn(HabitsError):
    code = "already_valid_check_in"


def locked_challenge(session: Session, challenge_id: int) -> Challenge:
    """The challenge, its row locked for this transaction (see the module's docstring)."""
    challenge = session.scalars(
        select(Challenge)
        .where(Challenge.id == challenge_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if challenge is None:
        raise NotFound("There is no such challenge.")
    return challenge


def check_day(challenge: Challenge, day_index: int) -> None:
    """InvalidInput (422, field ``day_index``) for a day that is not one of the challenge's."""
    if not 0 <= day_index < challenge.days:
        raise InvalidInput(
            f"Day {day_index} is not a day of this challenge (0 ... {challenge.days - 1}).",
            errors={"day_index": [f"must be between 0 and {challenge.days - 1}"]},
        )


def _require_organizer(session: Session, challenge: Challenge, member: Member) -> None:
    """Organizers and co-organizers of the challenge's community; others get 403, strangers 404."""
    role = session.scalar(
        select(CommunityMembership.role).where(
            CommunityMembership.community_id == challenge.community_id,
            CommunityMembership.member_id == member.id,
            CommunityMembership.status == MembershipStatus.ACTIVE,
        )
    )
    if role is None:
        raise NotFound("There is no such challenge.")
    if role not in ORGANIZING_ROLES:
        raise Forbidden("Only the community's organizers may do this.")


def _require_before_due(challenge: Challenge, day_index: int, *, now: datetime, what: str) -> datetime:
    due = due_at(challenge.schedule(), day_index, challenge.review_minutes)
    if day_index < challenge.settled_days or now >= due:
        raise DayAlreadyDue(
            f"Day {day_index + 1} is already due for settlement (since {rfc3339_utc(due)}): "
            f"it can no longer be {what}.",
            due_at=rfc3339_utc(due),
            day_index=day_index,
        )
    return due


# --- rest days -----------------------------------------------------------------------------------


def declare_rest_day(
    session: Session, enrollment_id: int, *, member: Member, day_index: int, now: datetime
) -> RestDay:
    """An active member declares day k a rest day, before its window opens, within the allowance.

    Raises NotFound for someone else's enrollment, InvalidInput for a day outside the challenge,
    HabitsError (409) when the window has opened, the allowance is used up, the day is already a
    rest day, or the enrollment is not active.
    """
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.member_id != member.id:
        raise NotFound("There is no such enrollment.")
    challenge = locked_challenge(session, enrollment.challenge_id)
    session.refresh(enrollment, with_for_update=True)
    check_day(challenge, day_index)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise EnrollmentNotActive(
            f"Only an active enrollment can take rest days; this one is {enrollment.status}.",
            enrollment_status=str(enrollment.status),
        )
    opens_at = day_window(challenge.schedule(), day_index)[0]
    if now >= opens_at:
        raise RestDayWindowOpened(
            f"Day {day_index + 1}'s window opened at {rfc3339_utc(opens_at)}: "
            "rest days are declared before it opens.",
            window_opens_at=rfc3339_utc(opens_at),
            day_index=day_index,
        )
    already = session.scalar(
        select(RestDay.id).where(RestDay.enrollment_id == enrollment.id, RestDay.day_index == day_index)
    )
    if already is not None:
        raise RestDayTaken(f"Day {day_index + 1} is already one of your rest days.", day_index=day_index)
    if enrollment.rest_days_used >= challenge.rest_days:
        raise RestDaysUsedUp(
            f"This challenge allows {challenge.rest_days} rest day(s) and you have used them all.",
            rest_days=challenge.rest_days,
        )
    rest = RestDay(
        enrollment_id=enrollment.id, challenge_id=challenge.id, day_index=day_index, declared_at=now
    )
    enrollment.rest_days_used += 1
    session.add(rest)
    session.flush()
    return rest


# --- excused days --------------------------------------------------------------------------------


def excuse_day(
    session: Session, challenge_id: int, *, organizer: Member, day_index: int, reason: str, now: datetime
) -> ExcusedDay:
    """An organizer who does not play in the challenge excuses day k (nothing is forfeited, the pot
    carries), until the day is due. Raises RefereePlaysIn (403) for an organizer who plays in it."""
    challenge = locked_challenge(session, challenge_id)
    _require_organizer(session, challenge, organizer)
    referees.require_referee(session, challenge, organizer, action="excuse a day")
    check_day(challenge, day_index)
    reason = referees.referee_reason(reason)
    _require_before_due(challenge, day_index, now=now, what="excused")
    existing = session.scalars(
        select(ExcusedDay).where(ExcusedDay.challenge_id == challenge.id, ExcusedDay.day_index == day_index)
    ).first()
    if existing is not None:
        raise DayAlreadyExcused(
            f"Day {day_index + 1} is already excused: {existing.reason}",
            day_index=day_index,
            reason=existing.reason,
        )
    return _excuse(session, challenge, day_index, reason=reason, referee_id=organizer.id, now=now)


def outage_minutes(session: Session, opens_at: datetime, closes_at: datetime) -> int:
    """Minutes of the window ``[opens_at, closes_at)`` in which the service wrote no heartbeat.

    Each UTC minute that overlaps the window should have a heartbeat row. Minutes before the
    first heartbeat ever are not counted: a fresh install (or one that never ran the scheduler)
    has not been down, it simply had not started proving it was up.
    """
    first = session.scalar(select(func.min(Heartbeat.minute_at)))
    if first is None:
        return 0
    start = max(opens_at.replace(second=0, microsecond=0), first)
    if start >= closes_at:
        return 0
    expected = math.ceil((closes_at - start) / timedelta(minutes=1))
    seen = session.scalar(
        select(func.count()).where(Heartbeat.minute_at >= start, Heartbeat.minute_at < closes_at)
    )
    return max(0, expected - seen)


def excuse_for_outage(session: Session, challenge: Challenge, day_index: int, *, minutes: int, now: datetime):
    """Record that day k is excused because we were down for ``minutes`` of its window."""
    reason = (
        f"service outage: {minutes} minutes of the check-in window without a heartbeat "
        f"(more than the {challenge.outage_minutes} allowed)"
    )
    # the service is the referee here: members see why the day was excused like any other excuse
    return _excuse(session, challenge, day_index, reason=reason, referee_id=None, now=now)


def _excuse(
    session: Session,
    challenge: Challenge,
    day_index: int,
    *,
    reason: str,
    referee_id: int | None,
    now: datetime,
) -> ExcusedDay:
    """The excused day and its line in the referee log (``referee_id`` None: the service)."""
    excused = ExcusedDay(
        challenge_id=challenge.id,
        day_index=day_index,
        reason=reason,
        excused_by_id=referee_id,
        created_at=now,
    )
    session.add(excused)
    referees.record(
        session,
        challenge.id,
        RefereeKind.EXCUSE,
        day_index=day_index,
        referee_id=referee_id,
        reason=reason,
        now=now,
    )
    return excused


# --- appeals -------------------------------------------------------------------------------------


def accept_appeal(
    session: Session,
    challenge_id: int,
    *,
    organizer: Member,
    day_index: int,
    enrollment_id: int,
    reason: str,
    now: datetime,
) -> CheckIn:
    """An organizer who does not play in the challenge records a check-in for a member who forgot
    to tap, until the day is due.

    The check-in is stamped ``now`` (when it was recorded), so an appealed check-in ranks after
    everyone who tapped in time for the equal split's extra cent. A voided check-in for the day is
    reinstated instead (the void's reason is kept). The member's request for that day, if one is
    waiting (habits.services.appeals), is accepted with it. Raises 409 if the member already has a valid
    check-in that day, the window has not opened yet, or the enrollment is not active;
    RefereePlaysIn (403) for an organizer who plays in the challenge (their own appeal included).
    """
    challenge = locked_challenge(session, challenge_id)
    _require_organizer(session, challenge, organizer)
    referees.require_referee(session, challenge, organizer, action="accept an appeal")
    check_day(challenge, day_index)
    reason = referees.referee_reason(reason)
    _require_before_due(challenge, day_index, now=now, what="appealed")
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.challenge_id != challenge.id:
        raise InvalidInput(
            "That enrollment is not in this challenge.", errors={"enrollment_id": ["not in this challenge"]}
        )
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise EnrollmentNotActive(
            f"Appeals are for active enrollments; this one is {enrollment.status}.",
            enrollment_status=str(enrollment.status),
        )
    opens_at = day_window(challenge.schedule(), day_index)[0]
    if now < opens_at:
        raise DayNotOpenYet(
            f"Day {day_index + 1}'s window has not opened yet (it opens at {rfc3339_utc(opens_at)}).",
            window_opens_at=rfc3339_utc(opens_at),
            day_index=day_index,
        )
    checkin = session.scalars(
        select(CheckIn).where(CheckIn.enrollment_id == enrollment.id, CheckIn.day_index == day_index)
    ).first()
    if checkin is not None and checkin.voided_at is None and checkin.counts_for_money:
        raise AlreadyValidCheckIn(
            f"This member already has a valid check-in on day {day_index + 1}.", day_index=day_index
        )
    if checkin is None:
        checkin = CheckIn(
            enrollment_id=enrollment.id, challenge_id=challenge.id, day_index=day_index, checked_in_at=now
        )
        session.add(checkin)
    else:
        # A voided check-in is reinstated: the unique (enrollment, day) allows one row only.
        checkin.voided_at = None
        checkin.voided_by_id = None
        checkin.checked_in_at = now
    checkin.source = CheckInSource.APPEAL
    checkin.counts_for_money = True
    checkin.recorded_by_id = organizer.id
    checkin.appeal_reason = reason
    standing.renumber(session, checkin)  # it ranks by when it was recorded
    session.flush()
    referees.record(
        session,
        challenge.id,
        RefereeKind.APPEAL,
        day_index=day_index,
        referee_id=organizer.id,
        reason=reason,
        now=now,
        enrollment_id=enrollment.id,
        check_in_id=checkin.id,
    )
    # the member's waiting request for the day, however the organizer came to accept it
    session.execute(
        update(AppealRequest)
        .where(
            AppealRequest.enrollment_id == enrollment.id,
            AppealRequest.day_index == day_index,
            AppealRequest.status == AppealStatus.PENDING,
        )
        .values(
            status=AppealStatus.ACCEPTED,
            decided_at=now,
            decided_by_id=organizer.id,
            decision_reason=reason,
            check_in_id=checkin.id,
        )
    )
    return checkin
