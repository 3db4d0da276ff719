"""Who is in a challenge: one definition, asked by the challenge page, the organizer dashboard and
the standings, so their counts agree.

- **took part**: paid a deposit that counted (not ``NEVER_TOOK_PART``) and did not leave before day
  0's window opened (such a member got the whole deposit back and may have joined again, with a new
  enrollment: SPEC). Before day 0 that is who has paid so far; from day 0, who started.
- **still in**: took part and still plays for money (``active``, or ``suspended`` while a card
  dispute is decided). A member who quit is out at once, though settlement forfeits the rest of
  their deposit only at the next day it settles.
- **finished**: ``completed``, once the last day is settled.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from habits.domain.lifecycle import NEVER_TOOK_PART, EnrollmentStatus
from habits.models import Challenge, Enrollment

#: took part, and still plays for money
STILL_IN: frozenset[EnrollmentStatus] = frozenset({EnrollmentStatus.ACTIVE, EnrollmentStatus.SUSPENDED})


def took_part(challenge: Challenge, enrollment=Enrollment):
    """SQL condition: ``enrollment`` (the model, or an alias of it) took part in ``challenge``."""
    return and_(
        enrollment.challenge_id == challenge.id,
        enrollment.status.not_in(NEVER_TOOK_PART),
        or_(enrollment.withdrew_at.is_(None), enrollment.withdrew_at >= challenge.day_zero_opens_at),
    )


def has_taken_part(enrollment: Enrollment, challenge: Challenge) -> bool:
    """``took_part`` for one enrollment already loaded."""
    left_before_day_zero = enrollment.withdrew_at is not None and (
        enrollment.withdrew_at < challenge.day_zero_opens_at
    )
    return enrollment.status not in NEVER_TOOK_PART and not left_before_day_zero


@dataclass(frozen=True)
class Headcount:
    #: took part (before day 0: have paid so far)
    took_part: int
    still_in: int
    finished: int
    #: joined and not paid yet (before day 0 only: the rest are cancelled when it opens)
    waiting_to_pay: int


def headcount(session: Session, challenge: Challenge) -> Headcount:
    e = Enrollment

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            count(took_part(challenge)),
            count(and_(took_part(challenge), e.status.in_(STILL_IN))),
            count(e.status == EnrollmentStatus.COMPLETED),
            count(e.status == EnrollmentStatus.PENDING_PAYMENT),
        ).where(e.challenge_id == challenge.id)
    ).one()
    return Headcount(*(int(n) for n in row))
