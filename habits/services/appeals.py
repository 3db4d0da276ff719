"""Appeal requests: a member asks for a day to count; an organizer who does not play decides.

SPEC, "Rest days, excused days and appeals": "A member may ask for an appeal of a day (a reason,
optionally a photo) until that day is due; organizers accept or refuse it with a reason." And:
"Nobody referees a challenge they play in" (``habits.services.referees``).

- ``ask_appeal``: the enrollment's member, while it is active, for a day whose window has opened
  and that is not due yet, and only when the day has no valid check-in (a voided one, or none
  once the window has closed: while it is open, checking in is the way). One request per
  enrollment and day waits at a time.
- ``decide_appeal``: accepting records the check-in through ``daymarks.accept_appeal``, the same
  code the organizers' "record a check-in" uses (which accepts the waiting request whichever way
  the organizer came); refusing keeps the organizer's reason. Either way the decision is in the
  referee log, which the challenge's participants read; the request itself (the member's words
  and photo) stays between the member and the organizers ("Who sees what").
- ``member_days``: what the member's pages show of the days still open to an appeal.

A request is refused once its day is due only by an organizer's hand: nothing closes it by itself,
so a request the organizers never answered stays ``pending`` (its ``due_at`` says it can no longer
be accepted), and it may still be refused with a reason.

Services flush, never commit; every change takes the challenge's row lock first
(``daymarks.locked_challenge``), as every other mark on a day does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from habits.domain.calendar import day_window, due_at
from habits.domain.instants import rfc3339_utc
from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.stakes import stake_for_day
from habits.models import (
    AppealRequest,
    AppealStatus,
    Challenge,
    CheckIn,
    CheckInSource,
    Enrollment,
    ExcusedDay,
    Member,
    RefereeKind,
    RestDay,
)
from habits.services import daymarks, referees, visibility
from habits.services.errors import Forbidden, HabitsError, NotFound
from habits.services.notifications import events
from habits.services.photos import Photo, PhotoStorage

MAX_REASON = referees.MAX_REASON


# --- refusals ------------------------------------------------------------------------------------


class AppealNotActive(HabitsError):
    title = "Only an active enrollment appeals"
    code = "appeal_not_active"


class AppealDayNotOpen(HabitsError):
    title = "The day has not started"
    code = "appeal_day_not_open"


class AppealTooLate(HabitsError):
    title = "The day is due"
    code = "appeal_too_late"


class AppealNotNeeded(HabitsError):
    """The day already counts: a valid check-in, a rest day or an excused day (``why``)."""

    title = "Nothing to appeal"
    code = "appeal_not_needed"


class AppealCheckInInstead(HabitsError):
    title = "The window is open: check in"
    code = "appeal_check_in_instead"


class AppealAlreadyPending(HabitsError):
    title = "An appeal is already waiting"
    code = "appeal_already_pending"


class AppealAlreadyDecided(HabitsError):
    title = "The appeal was already decided"
    code = "appeal_already_decided"


# --- asking --------------------------------------------------------------------------------------


def ask_appeal(
    session: Session,
    enrollment_id: int,
    *,
    member: Member,
    day_index: int,
    reason: str,
    photo: Photo | None = None,
    photo_store: PhotoStorage | None = None,
    now: datetime,
) -> AppealRequest:
    """The member asks the organizers to count day ``day_index`` of their enrollment.

    NotFound (404) for someone else's enrollment; InvalidInput (422) for a blank or long reason
    or a day outside the challenge; 409 (each with its code) when the enrollment is not active,
    the day's window has not opened, the day is due, the day already counts, its window is still
    open without a check-in, or a request for the day is already waiting.
    """
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.member_id != member.id:
        raise NotFound(f"You have no enrollment {enrollment_id}.")
    reason = referees.referee_reason(reason)
    challenge = daymarks.locked_challenge(session, enrollment.challenge_id)
    session.refresh(enrollment)
    daymarks.check_day(challenge, day_index)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise AppealNotActive(
            f"Appeals are for active enrollments; this one is {enrollment.status}.",
            enrollment_status=str(enrollment.status),
        )
    opens, closes = day_window(challenge.schedule(), day_index)
    due = due_at(challenge.schedule(), day_index, challenge.review_minutes)
    if now < opens:
        raise AppealDayNotOpen(
            f"Day {day_index}'s window opens at {rfc3339_utc(opens)}: there is nothing to appeal yet.",
            window_opens_at=rfc3339_utc(opens),
        )
    if day_index < challenge.settled_days or now >= due:
        raise AppealTooLate(
            f"Day {day_index} was due for settlement at {rfc3339_utc(due)}: it can no longer be appealed.",
            due_at=rfc3339_utc(due),
        )
    state = _day_state(session, enrollment, day_index)
    if state.counts:
        raise AppealNotNeeded(f"Day {day_index} already counts for you ({state.why}).", why=state.why)
    if state.checkin is None and now < closes:
        raise AppealCheckInInstead(
            f"Day {day_index}'s window is open until {rfc3339_utc(closes)}: check in instead.",
            window_closes_at=rfc3339_utc(closes),
        )
    waiting = _pending(session, enrollment.id, day_index)
    if waiting is not None:
        raise _already_pending(waiting, day_index)
    photo_path = photo_store.save(challenge.id, photo) if photo is not None and photo_store else None
    appeal = AppealRequest(
        enrollment_id=enrollment.id,
        challenge_id=challenge.id,
        day_index=day_index,
        reason=reason,
        photo_path=photo_path,
        photo_content_type=photo.content_type if photo_path else None,
        status=AppealStatus.PENDING,
        asked_at=now,
    )
    try:
        with session.begin_nested():
            session.add(appeal)
    except IntegrityError:
        # a second request for the day got in first (the partial unique index decides)
        if photo_path and photo_store:
            photo_store.delete(photo_path)
        raise _already_pending(_pending(session, enrollment.id, day_index), day_index) from None
    return appeal


def _already_pending(waiting: AppealRequest | None, day_index: int) -> AppealAlreadyPending:
    return AppealAlreadyPending(
        f"Your appeal of day {day_index} is already waiting for an organizer.",
        appeal_id=waiting.id if waiting is not None else None,
    )


def _pending(session: Session, enrollment_id: int, day_index: int) -> AppealRequest | None:
    return session.scalars(
        select(AppealRequest).where(
            AppealRequest.enrollment_id == enrollment_id,
            AppealRequest.day_index == day_index,
            AppealRequest.status == AppealStatus.PENDING,
        )
    ).first()


@dataclass(frozen=True)
class _DayState:
    checkin: CheckIn | None
    #: why the day already counts ("checked_in", "rest_day", "excused"), or None
    why: str | None

    @property
    def counts(self) -> bool:
        return self.why is not None


def _day_state(session: Session, enrollment: Enrollment, day_index: int) -> _DayState:
    checkin = session.scalars(
        select(CheckIn).where(CheckIn.enrollment_id == enrollment.id, CheckIn.day_index == day_index)
    ).first()
    if checkin is not None and checkin.voided_at is None and checkin.counts_for_money:
        return _DayState(checkin, "checked_in")
    rest = select(RestDay.id).where(RestDay.enrollment_id == enrollment.id, RestDay.day_index == day_index)
    if session.scalar(rest) is not None:
        return _DayState(checkin, "rest_day")
    excused = select(ExcusedDay.id).where(
        ExcusedDay.challenge_id == enrollment.challenge_id, ExcusedDay.day_index == day_index
    )
    if session.scalar(excused) is not None:
        return _DayState(checkin, "excused")
    return _DayState(checkin, None)


# --- deciding ------------------------------------------------------------------------------------


def decide_appeal(
    session: Session, appeal_id: int, *, organizer: Member, accept: bool, reason: str, now: datetime
) -> AppealRequest:
    """An organizer who does not play in the challenge accepts (the check-in is recorded) or
    refuses (with the reason) a waiting request.

    NotFound (404) for whoever may not see the request (its member and the organizers may);
    Forbidden (403) for its member, who may see it but not decide it; RefereePlaysIn (403) for an
    organizer who plays; InvalidInput (422) without a reason; AppealAlreadyDecided (409) once it
    is decided; accepting after the day is due is AppealTooLate (409), refusing stays possible.
    """
    appeal = session.get(AppealRequest, appeal_id)
    if appeal is None:
        raise NotFound(f"There is no appeal {appeal_id}.")
    challenge = daymarks.locked_challenge(session, appeal.challenge_id)
    session.refresh(appeal)
    enrollment = session.get(Enrollment, appeal.enrollment_id)
    if not visibility.challenge_sight(session, challenge, organizer).organizer:
        if enrollment.member_id == organizer.id:
            raise Forbidden("Your appeal is decided by the organizers of the community.")
        raise NotFound(f"There is no appeal {appeal_id}.")
    referees.require_referee(session, challenge, organizer, action="decide an appeal")
    reason = referees.referee_reason(reason)
    if appeal.status != AppealStatus.PENDING:
        raise AppealAlreadyDecided(
            f"This appeal was already {appeal.status}.", appeal_status=str(appeal.status)
        )
    if accept:
        _accept(session, challenge, appeal, enrollment, organizer, reason, now=now)
    else:
        _refuse(session, challenge, appeal, organizer, reason, now=now)
    events.appeal_decided(session, challenge, appeal, enrollment.member_id, organizer, now=now)
    session.flush()
    return appeal


def _accept(session, challenge, appeal, enrollment, organizer, reason, *, now) -> None:
    due = due_at(challenge.schedule(), appeal.day_index, challenge.review_minutes)
    if appeal.day_index < challenge.settled_days or now >= due:
        raise AppealTooLate(
            f"Day {appeal.day_index} was due for settlement at {rfc3339_utc(due)}: the appeal can "
            "only be refused now.",
            due_at=rfc3339_utc(due),
        )
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise AppealNotActive(
            f"Appeals are for active enrollments; this one is {enrollment.status} now.",
            enrollment_status=str(enrollment.status),
        )
    # the organizers' own "record a check-in" (it writes the referee log and accepts this request)
    daymarks.accept_appeal(
        session,
        challenge.id,
        organizer=organizer,
        day_index=appeal.day_index,
        enrollment_id=appeal.enrollment_id,
        reason=reason,
        now=now,
    )
    session.refresh(appeal)


def _refuse(session, challenge, appeal, organizer, reason, *, now) -> None:
    checkin_id = session.scalar(
        select(CheckIn.id).where(
            CheckIn.enrollment_id == appeal.enrollment_id, CheckIn.day_index == appeal.day_index
        )
    )
    appeal.status = AppealStatus.REFUSED
    appeal.decided_at, appeal.decided_by_id, appeal.decision_reason = now, organizer.id, reason
    referees.record(
        session,
        challenge.id,
        RefereeKind.APPEAL_REFUSED,
        day_index=appeal.day_index,
        referee_id=organizer.id,
        reason=reason,
        now=now,
        enrollment_id=appeal.enrollment_id,
        check_in_id=checkin_id,
    )


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealLine:
    """One request as its member and the organizers read it."""

    id: int
    enrollment_id: int
    challenge_id: int
    member_id: int
    member_name: str
    day_index: int
    reason: str
    has_photo: bool
    status: AppealStatus
    asked_at: datetime
    #: the day's settlement instant: the request can be accepted until then
    due_at: datetime
    decided_at: datetime | None
    decided_by_id: int | None
    decided_by_name: str | None
    decision_reason: str | None
    check_in_id: int | None
    #: the day's check-in now: "valid", "voided" or "missing"
    check_in: str
    void_reason: str | None


def _lines(session: Session, query, challenges: dict[int, Challenge]) -> list[AppealLine]:
    lines = []
    for appeal, member_id, member_name, decider_name, checkin in session.execute(query).all():
        challenge = challenges.get(appeal.challenge_id) or session.get(Challenge, appeal.challenge_id)
        challenges[challenge.id] = challenge
        state = _check_in_state(checkin)
        lines.append(
            AppealLine(
                id=appeal.id,
                enrollment_id=appeal.enrollment_id,
                challenge_id=appeal.challenge_id,
                member_id=member_id,
                member_name=member_name,
                day_index=appeal.day_index,
                reason=appeal.reason,
                has_photo=appeal.photo_path is not None,
                status=AppealStatus(appeal.status),
                asked_at=appeal.asked_at,
                due_at=due_at(challenge.schedule(), appeal.day_index, challenge.review_minutes),
                decided_at=appeal.decided_at,
                decided_by_id=appeal.decided_by_id,
                decided_by_name=decider_name,
                decision_reason=appeal.decision_reason,
                check_in_id=appeal.check_in_id,
                check_in=state,
                void_reason=checkin.void_reason if checkin is not None and checkin.voided_at else None,
            )
        )
    return lines


def _check_in_state(checkin: CheckIn | None) -> str:
    if checkin is None:
        return "missing"
    return "voided" if checkin.voided_at is not None else "valid"


def _line_query(where, order):
    decider = aliased(Member)
    return (
        select(AppealRequest, Member.id, Member.display_name, decider.display_name, CheckIn)
        .join(Enrollment, Enrollment.id == AppealRequest.enrollment_id)
        .join(Member, Member.id == Enrollment.member_id)
        .outerjoin(decider, decider.id == AppealRequest.decided_by_id)
        .outerjoin(
            CheckIn,
            and_(
                CheckIn.enrollment_id == AppealRequest.enrollment_id,
                CheckIn.day_index == AppealRequest.day_index,
            ),
        )
        .where(*where)
        .order_by(*order)
    )


def challenge_appeals(
    session: Session,
    challenge_id: int,
    viewer: Member,
    *,
    status: AppealStatus | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[AppealLine], int]:
    """The challenge's requests (of ``status``, or all), oldest first, and their number:
    organizers only. NotFound (404) for whoever may not see the challenge, Forbidden (403) for
    its members and participants who do not organize it."""
    challenge = visibility.visible_challenge(session, challenge_id, viewer)
    if not visibility.challenge_sight(session, challenge, viewer).organizer:
        raise Forbidden("Only the community's organizers read its members' appeals.")
    where = [AppealRequest.challenge_id == challenge.id]
    if status is not None:
        where.append(AppealRequest.status == status)
    total = session.scalar(select(func.count()).select_from(AppealRequest).where(*where)) or 0
    query = _line_query(where, (AppealRequest.asked_at, AppealRequest.id))
    lines = _lines(session, query.limit(per_page).offset((page - 1) * per_page), {challenge.id: challenge})
    return lines, total


def enrollment_appeals(
    session: Session, enrollment: Enrollment, *, page: int = 1, per_page: int = 20
) -> tuple[list[AppealLine], int]:
    """An enrollment's requests, newest first (for its member: the caller checked it is theirs)."""
    where = [AppealRequest.enrollment_id == enrollment.id]
    total = session.scalar(select(func.count()).select_from(AppealRequest).where(*where)) or 0
    query = _line_query(where, (AppealRequest.asked_at.desc(), AppealRequest.id.desc()))
    return _lines(session, query.limit(per_page).offset((page - 1) * per_page), {}), total


def appeal_line(session: Session, appeal_id: int) -> AppealLine:
    """One request as ``challenge_appeals`` lists it (the caller has checked who may read it)."""
    query = _line_query([AppealRequest.id == appeal_id], (AppealRequest.id,))
    lines = _lines(session, query, {})
    if not lines:
        raise NotFound(f"There is no appeal {appeal_id}.")
    return lines[0]


def visible_appeal(session: Session, appeal_id: int, viewer: Member | None) -> AppealRequest:
    """The request, for its member and the community's organizers; NotFound for everyone else."""
    appeal = session.get(AppealRequest, appeal_id)
    if appeal is None or viewer is None:
        raise NotFound(f"There is no appeal {appeal_id}.")
    owner_id = session.scalar(select(Enrollment.member_id).where(Enrollment.id == appeal.enrollment_id))
    if owner_id != viewer.id:
        challenge = session.get(Challenge, appeal.challenge_id)
        if not visibility.challenge_sight(session, challenge, viewer).organizer:
            raise NotFound(f"There is no appeal {appeal_id}.")
    return appeal


# --- what the member's pages show ----------------------------------------------------------------


@dataclass(frozen=True)
class MemberDay:
    """One day of an enrollment whose window has opened and that is not due yet, as its member
    reads it: the check-in's state, the latest request, and whether another may be asked."""

    day_index: int
    window_closes_at: datetime
    due_at: datetime
    window_open: bool
    #: the enrollment is active: the day's stake is at play (and the member may ask)
    for_money: bool
    #: the stake that comes back on a success and goes to the pot on a miss
    stake_minor: int
    #: the day's check-in row (valid or voided), if any
    check_in_id: int | None
    voided: bool
    voided_at: datetime | None
    voided_by_name: str | None
    void_reason: str | None
    #: a valid check-in the organizers recorded on appeal
    recorded_on_appeal: bool
    #: a rest day or an excused day: nothing to appeal
    marked: bool
    #: the day's latest request, if any
    appeal: AppealLine | None
    may_ask: bool

    @property
    def valid(self) -> bool:
        return self.check_in_id is not None and not self.voided

    @property
    def missed(self) -> bool:
        """An active member's day without a check-in, its window closed, no rest or excused day."""
        return self.for_money and self.check_in_id is None and not self.window_open and not self.marked

    @property
    def worth_showing(self) -> bool:
        """What the member's pages show beside today's state: a void, a miss, a request."""
        return self.voided or self.missed or self.appeal is not None


def member_days(session: Session, enrollment: Enrollment, *, now: datetime) -> list[MemberDay]:
    """The enrollment's days still open to an appeal (opened, not due, not settled), in order.

    No query at all while no day is in that span (most of every day)."""
    challenge = session.get(Challenge, enrollment.challenge_id)
    schedule = challenge.schedule()
    spans = {}
    for k in range(challenge.settled_days, challenge.days):
        opens, closes = day_window(schedule, k)
        if opens > now:
            break
        due = due_at(schedule, k, challenge.review_minutes)
        if now < due:
            spans[k] = (closes, due)
    if not spans:
        return []
    voider = aliased(Member)
    checkins = {
        checkin.day_index: (checkin, name)
        for checkin, name in session.execute(
            select(CheckIn, voider.display_name)
            .outerjoin(voider, voider.id == CheckIn.voided_by_id)
            .where(CheckIn.enrollment_id == enrollment.id, CheckIn.day_index.in_(spans))
        ).all()
    }
    rests = set(
        session.scalars(
            select(RestDay.day_index).where(
                RestDay.enrollment_id == enrollment.id, RestDay.day_index.in_(spans)
            )
        )
    )
    excused = set(
        session.scalars(
            select(ExcusedDay.day_index).where(
                ExcusedDay.challenge_id == challenge.id, ExcusedDay.day_index.in_(spans)
            )
        )
    )
    latest: dict[int, AppealLine] = {}
    query = _line_query(
        [AppealRequest.enrollment_id == enrollment.id, AppealRequest.day_index.in_(spans)],
        (AppealRequest.id,),
    )
    for line in _lines(session, query, {challenge.id: challenge}):
        latest[line.day_index] = line  # by id: the last one wins
    days = []
    active = enrollment.status == EnrollmentStatus.ACTIVE
    for k, (closes, due) in spans.items():
        checkin, voided_by = checkins.get(k, (None, None))
        voided = checkin is not None and checkin.voided_at is not None
        valid = checkin is not None and not voided and checkin.counts_for_money
        marked = k in rests or k in excused
        appeal = latest.get(k)
        window_open = now < closes
        waiting = appeal is not None and appeal.status == AppealStatus.PENDING
        days.append(
            MemberDay(
                day_index=k,
                window_closes_at=closes,
                due_at=due,
                window_open=window_open,
                for_money=active,
                stake_minor=stake_for_day(enrollment.deposit_minor, challenge.days, k),
                check_in_id=checkin.id if checkin is not None else None,
                voided=voided,
                voided_at=checkin.voided_at if voided else None,
                voided_by_name=voided_by if voided else None,
                void_reason=checkin.void_reason if voided else None,
                recorded_on_appeal=valid and checkin.source == CheckInSource.APPEAL,
                marked=marked,
                appeal=appeal,
                may_ask=active
                and not valid
                and not marked
                and not waiting
                and (checkin is not None or not window_open),
            )
        )
    return days
