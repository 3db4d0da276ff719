"""Who may referee a challenge, and the log of what the referees decided.

SPEC: "Nobody referees a challenge they play in. An organizer or co-organizer enrolled in a
challenge may not void, appeal, accept an appeal or excuse a day in it; another organizer who is
not enrolled may, and where there is none the action is refused with that reason. Every void,
appeal and excuse is visible to the challenge's participants, with who did it, when and why."

Refereeing is voiding a check-in, accepting an appeal (recording a check-in for a member) and
excusing a day. Every service that referees asks ``require_referee`` (after its own "is this an
organizer?" check) and writes its decision with ``record``: the rule and the log live here only.

**Who plays in a challenge** (the choice SPEC leaves open): a member with an enrollment in it,
unless that enrollment never took part and never can: ``cancelled`` (unpaid when day 0 opened,
or the challenge was cancelled), or ``withdrawn`` before day 0's window opened (they left with
the whole deposit back, or before paying). So ``pending_payment`` plays (the deposit may still
arrive), and so do ``active``, ``suspended``, ``eliminated``, ``completed`` and a quit after day
0: each one's standing, streak or money was judged by the same referees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import (
    ORGANIZING_ROLES,
    Challenge,
    CommunityMembership,
    Enrollment,
    Member,
    MembershipStatus,
    RefereeKind,
    RefereeLogEntry,
)
from habits.services import visibility
from habits.services.errors import Forbidden, InvalidInput, NotFound

MAX_REASON = 500


class RefereePlaysIn(Forbidden):
    """The organizer plays in the challenge, so may not referee it (403: who they are, not when)."""

    title = "You play in this challenge"
    code = "referee_plays_in_challenge"


def plays_in_clause(challenge: Challenge, enrollment=Enrollment):
    """SQL: ``enrollment`` (of ``challenge``) plays in it, as the module docstring says."""
    quit_before_day_zero = and_(
        enrollment.status == EnrollmentStatus.WITHDRAWN,
        or_(enrollment.withdrew_at.is_(None), enrollment.withdrew_at < challenge.day_zero_opens_at),
    )
    return and_(
        enrollment.challenge_id == challenge.id,
        enrollment.status != EnrollmentStatus.CANCELLED,
        not_(quit_before_day_zero),
    )


def plays_in(session: Session, challenge: Challenge, member_id: int) -> bool:
    """True when the member plays in ``challenge`` (and so may not referee it)."""
    found = session.scalar(
        select(Enrollment.id).where(plays_in_clause(challenge), Enrollment.member_id == member_id)
    )
    return found is not None


def free_referees(session: Session, challenge: Challenge) -> list[Member]:
    """The community's organizers and co-organizers who do not play in ``challenge``, by name."""
    playing = aliased(Enrollment)
    return list(
        session.scalars(
            select(Member)
            .join(CommunityMembership, CommunityMembership.member_id == Member.id)
            .where(
                CommunityMembership.community_id == challenge.community_id,
                CommunityMembership.status == MembershipStatus.ACTIVE,
                CommunityMembership.role.in_(ORGANIZING_ROLES),
                ~select(playing.id)
                .where(plays_in_clause(challenge, playing), playing.member_id == Member.id)
                .exists(),
            )
            .order_by(Member.display_name, Member.id)
        )
    )


def require_referee(session: Session, challenge: Challenge, organizer: Member, *, action: str) -> None:
    """Raise RefereePlaysIn when ``organizer`` plays in ``challenge``; say who may act instead.

    The caller has already checked that ``organizer`` organizes the challenge's community.
    ``action`` completes "you may not ..." (e.g. "void a check-in").
    """
    if not plays_in(session, challenge, organizer.id):
        return
    others = free_referees(session, challenge)
    if others:
        who = ", ".join(member.display_name for member in others)
        detail = (
            f"You play in this challenge, so you may not {action} in it: "
            f"an organizer who does not play in it may ({who})."
        )
    else:
        detail = (
            f"You play in this challenge, so you may not {action} in it, and every organizer of "
            "its community plays in it too: nobody may."
        )
    raise RefereePlaysIn(detail, free_referees=[member.display_name for member in others])


def referee_reason(reason: str | None) -> str:
    """A decision's reason, stripped; 422 when it is blank or too long."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why.", errors={"reason": ["a reason is required"]})
    if len(reason) > MAX_REASON:
        raise InvalidInput("The reason is too long.", errors={"reason": [f"at most {MAX_REASON} characters"]})
    return reason


def record(
    session: Session,
    challenge_id: int,
    kind: RefereeKind,
    *,
    day_index: int,
    referee_id: int | None,
    reason: str,
    now: datetime,
    enrollment_id: int | None = None,
    check_in_id: int | None = None,
) -> RefereeLogEntry:
    """Write one decision to the referee log (in the decision's own transaction)."""
    entry = RefereeLogEntry(
        challenge_id=challenge_id,
        kind=kind,
        day_index=day_index,
        enrollment_id=enrollment_id,
        check_in_id=check_in_id,
        referee_id=referee_id,
        reason=reason,
        acted_at=now,
    )
    session.add(entry)
    session.flush()
    return entry


# --- reading the log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LogLine:
    """One decision as participants read it."""

    id: int
    kind: RefereeKind
    day_index: int
    #: the organizer (None: the service excused the day for its own outage)
    referee_id: int | None
    referee_name: str | None
    acted_at: datetime
    reason: str
    enrollment_id: int | None
    #: whose check-in it was (None for an excused day)
    participant_id: int | None
    participant_name: str | None


def may_read_log(session: Session, challenge: Challenge, viewer: Member) -> bool:
    """SPEC "Who sees what": the challenge's participants and the community's organizers."""
    return visibility.challenge_sight(session, challenge, viewer).sees(visibility.Audience.PARTICIPANTS)


def referee_log(
    session: Session, challenge: Challenge, viewer: Member, *, page: int, per_page: int
) -> tuple[list[LogLine], int]:
    """One page of the challenge's referee log, newest first, and the total.

    NotFound for anyone who may not read it (the challenge's participants and organizers may).
    """
    if not may_read_log(session, challenge, viewer):
        raise NotFound(f"There is no challenge {challenge.id}.")
    referee = aliased(Member)
    participant = aliased(Member)
    entry = RefereeLogEntry
    query = (
        select(entry, referee.display_name, participant.id, participant.display_name)
        .outerjoin(referee, referee.id == entry.referee_id)
        .outerjoin(Enrollment, Enrollment.id == entry.enrollment_id)
        .outerjoin(participant, participant.id == Enrollment.member_id)
        .where(entry.challenge_id == challenge.id)
    )
    total = session.scalar(select(func.count()).where(entry.challenge_id == challenge.id)) or 0
    rows = session.execute(
        query.order_by(entry.acted_at.desc(), entry.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return [
        LogLine(
            id=row.id,
            kind=RefereeKind(row.kind),
            day_index=row.day_index,
            referee_id=row.referee_id,
            referee_name=referee_name,
            acted_at=row.acted_at,
            reason=row.reason,
            enrollment_id=row.enrollment_id,
            participant_id=participant_id,
            participant_name=participant_name,
        )
        for row, referee_name, participant_id, participant_name in rows
    ], total
