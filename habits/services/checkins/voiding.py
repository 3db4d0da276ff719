"""Voiding a check-in: an organizer's correction, possible until the day is due for settlement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from habits.domain.calendar import due_at
from habits.domain.instants import rfc3339_utc
from habits.models import Challenge, CheckIn, Community, Member, RefereeKind
from habits.services import referees
from habits.services.checkins.refusals import VoidTooLate
from habits.services.communities import is_organizing
from habits.services.errors import Forbidden
from habits.services.notifications import events as notifications


def void_check_in(
    session: Session, checkin: CheckIn, organizer: Member, *, reason: str, now: datetime
) -> CheckIn:
    """Void a check-in (an organizer or co-organizer who does not play in the challenge), with a
    reason, until its day is due.

    A voided check-in counts as a miss (SPEC). Voiding again changes nothing. Raises Forbidden
    (403) for anyone else, RefereePlaysIn (403) for an organizer who plays in the challenge,
    InvalidInput (422) without a reason, VoidTooLate (409) once the day is due for settlement.
    The void is written to the referee log.
    """
    challenge = session.get(Challenge, checkin.challenge_id)
    community = session.get(Community, challenge.community_id)
    if not is_organizing(session, community.id, organizer.id):
        raise Forbidden("Only the organizer or a co-organizer of this community may void a check-in.")
    referees.require_referee(session, challenge, organizer, action="void a check-in")
    if checkin.voided_at is not None:
        return checkin
    reason = referees.referee_reason(reason)
    due = due_at(challenge.schedule(), checkin.day_index, challenge.review_minutes)
    if now >= due:
        raise VoidTooLate(
            f"Day {checkin.day_index} was due for settlement at {rfc3339_utc(due)}: its check-ins are final.",
            due_at=rfc3339_utc(due),
        )
    checkin.voided_at, checkin.voided_by_id, checkin.void_reason = now, organizer.id, reason
    session.flush()
    referees.record(
        session,
        challenge.id,
        RefereeKind.VOID,
        day_index=checkin.day_index,
        referee_id=organizer.id,
        reason=reason,
        now=now,
        enrollment_id=checkin.enrollment_id,
        check_in_id=checkin.id,
    )
    notifications.check_in_voided(session, checkin, organizer, now=now)
    return checkin
