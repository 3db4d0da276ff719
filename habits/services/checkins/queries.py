"""What the pages and the API read about check-ins: one check-in, today's window, lists, the feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from habits.domain.lifecycle import EnrollmentStatus, may_check_in
from habits.models import Challenge, CheckIn, Enrollment, Member
from habits.services import visibility
from habits.services.checkins.windows import window_table
from habits.services.codewords import code_word
from habits.services.errors import NotFound


def get_check_in(session: Session, checkin_id: int) -> CheckIn:
    checkin = session.get(CheckIn, checkin_id)
    if checkin is None:
        raise NotFound(f"There is no check-in {checkin_id}.")
    return checkin


def visible_check_in(session: Session, checkin_id: int, viewer: Member) -> CheckIn:
    """A check-in its owner or the challenge's organizers may see in full; NotFound otherwise."""
    return visibility.visible_private_check_in(session, checkin_id, viewer)


def photo_check_in(session: Session, checkin_id: int, viewer: Member) -> CheckIn:
    """A check-in whose photo ``viewer`` may see: the feed's readers, or only its owner and the
    organizers when the photo is marked private; NotFound otherwise."""
    return visibility.visible_photo_check_in(session, checkin_id, viewer)


@dataclass(frozen=True)
class Today:
    """Where an enrollment stands right now: the open window (or the next), and the code word."""

    enrollment_id: int
    status: EnrollmentStatus
    #: the day whose window is open now, else the next day to open (None after the last)
    day_index: int | None
    window_open: bool
    window_opens_at: datetime | None
    window_closes_at: datetime | None
    checked_in: bool
    #: the open day's check-in was voided by an organizer: it counts as a miss (appeals decide)
    check_in_voided: bool
    next_window_opens_at: datetime | None
    #: only while the window is open, to members who may check in, when the challenge asks for one
    code_word: str | None


def today(session: Session, enrollment: Enrollment, *, now: datetime) -> Today:
    challenge = session.get(Challenge, enrollment.challenge_id)
    table = window_table(challenge.schedule())
    day_index = table.day_for(now)
    window_open = day_index is not None
    next_open = table.next_open_after(now)
    if day_index is None and next_open is not None:
        day_index = table.opens.index(next_open)
    checked_in = voided = False
    if window_open:
        row = session.execute(
            select(CheckIn.id, CheckIn.voided_at).where(
                CheckIn.enrollment_id == enrollment.id, CheckIn.day_index == day_index
            )
        ).first()
        checked_in, voided = row is not None, row is not None and row.voided_at is not None
    show_word = window_open and challenge.requires_code_word and may_check_in(enrollment.status)
    return Today(
        enrollment_id=enrollment.id,
        status=EnrollmentStatus(enrollment.status),
        day_index=day_index,
        window_open=window_open,
        window_opens_at=table.opens[day_index] if day_index is not None else None,
        window_closes_at=table.closes[day_index] if day_index is not None else None,
        checked_in=checked_in,
        check_in_voided=voided,
        next_window_opens_at=next_open,
        code_word=code_word(challenge.code_word_secret, day_index) if show_word else None,
    )


def own_check_ins(
    session: Session, enrollment: Enrollment, *, page: int, per_page: int
) -> tuple[list[CheckIn], int]:
    """An enrollment's check-ins, by day."""
    query = select(CheckIn).where(CheckIn.enrollment_id == enrollment.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(CheckIn.day_index).limit(per_page).offset((page - 1) * per_page))
    return list(items), total


def challenge_feed(
    session: Session, challenge: Challenge, viewer: Member, *, page: int, per_page: int
) -> tuple[list[tuple[CheckIn, Member]], int]:
    """The challenge's check-ins, latest first, for its participants and the organizers (presence:
    who showed up); NotFound for anyone else (visibility)."""
    visibility.require(session, challenge, viewer, visibility.Audience.PARTICIPANTS)
    query = (
        select(CheckIn, Member)
        .join(Enrollment, Enrollment.id == CheckIn.enrollment_id)
        .join(Member, Member.id == Enrollment.member_id)
        .where(CheckIn.challenge_id == challenge.id)
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [tuple(row) for row in rows], total
