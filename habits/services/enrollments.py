"""Enrollments: joining a challenge, quitting it, and what a member's enrollment holds.

Joining a challenge needs an active membership of its community. When the community is open
(no invite code, no approval, no join questions), joining the challenge joins the community too:
that is what a member who tapped "join" on a shared challenge link expects. A community with
an entry threshold keeps it: the member joins the community first (403 until then).

Status changes go through ``habits.domain.lifecycle.next_status``; an event that does not
apply (a repeated quit, a quit after elimination) is ignored, not an error.

A member holds at most one live enrollment in a challenge (``lifecycle.LIVE``; a partial unique
index in the database). One who left before day 0 may join again while joining is open: a new
enrollment, with its own deposit, PaymentIntent and ledger keys (SPEC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.domain.instants import rfc3339_utc
from habits.domain.lifecycle import LIVE, EnrollmentEvent, EnrollmentStatus, next_status
from habits.models import Challenge, ChallengeStatus, Community, Enrollment, Member, MembershipStatus
from habits.services import entry, receipts
from habits.services.communities import join_community, membership_of
from habits.services.deposits import start_deposit
from habits.services.errors import EnrollmentClosed, Forbidden, HabitsError, NotFound
from habits.services.ports import DepositIntent, PaymentGateway


class AlreadyEnrolled(HabitsError):
    title = "Already enrolled"
    code = "already_enrolled"


@dataclass(frozen=True)
class Joined:
    enrollment: Enrollment
    #: the PaymentIntent to confirm, or None when the deposit was paid from the wallet
    payment: DepositIntent | None


def join_challenge(
    session: Session,
    challenge: Challenge,
    member: Member,
    *,
    quiz_answers: list | None = None,
    form_answers: dict | None = None,
    now: datetime,
) -> Enrollment:
    """Create ``member``'s enrollment in ``challenge`` as ``pending_payment``.

    Raises EnrollmentClosed (409) once day 0's window has opened, AlreadyEnrolled (409, with
    ``enrollment_id``) when the member has a live enrollment there, Forbidden (403) when the member
    must first join a community that has an entry threshold. A member whose earlier enrollment
    ended (left before day 0) gets a new one.
    """
    if challenge.status != ChallengeStatus.ENROLLING or now >= challenge.day_zero_opens_at:
        raise EnrollmentClosed(
            "Enrollment closed when day 0's window opened.",
            closed_at=rfc3339_utc(challenge.day_zero_opens_at),
        )
    _ensure_community_member(
        session, challenge, member, quiz_answers=quiz_answers, form_answers=form_answers, now=now
    )
    existing = live_enrollment_of(session, challenge.id, member.id)
    if existing is not None:
        raise AlreadyEnrolled(
            f"You are already enrolled in this challenge ({existing.status.value}).",
            enrollment_id=existing.id,
        )
    enrollment = Enrollment(
        challenge_id=challenge.id,
        member_id=member.id,
        status=EnrollmentStatus.PENDING_PAYMENT,
        misses=0,
        rest_days_used=0,
        deposit_minor=challenge.deposit_minor,
        currency=challenge.currency,
        joined_at=now,
    )
    try:
        with session.begin_nested():
            session.add(enrollment)
    except IntegrityError:
        # The same member joined twice at once: the unique index over live enrollments kept one.
        existing = live_enrollment_of(session, challenge.id, member.id)
        raise AlreadyEnrolled(
            "You are already enrolled in this challenge.",
            enrollment_id=existing.id if existing is not None else None,
        )
    return enrollment


def enroll(
    session: Session,
    challenge: Challenge,
    member: Member,
    *,
    gateway: PaymentGateway | None,
    pay_from_wallet: bool,
    quiz_answers: list | None = None,
    form_answers: dict | None = None,
    now: datetime,
) -> Joined:
    """Join ``challenge`` and ask for the deposit (a PaymentIntent, or the wallet) in one go.

    All or nothing: if the wallet is short (409 from deposits), no enrollment is left behind.
    """
    enrollment = join_challenge(
        session, challenge, member, quiz_answers=quiz_answers, form_answers=form_answers, now=now
    )
    if gateway is None and not pay_from_wallet:
        raise HabitsError("Card payments are not available on this server; pay from the wallet.")
    intent = start_deposit(session, enrollment, gateway=gateway, pay_from_wallet=pay_from_wallet, now=now)
    return Joined(enrollment, intent)


def _ensure_community_member(
    session: Session,
    challenge: Challenge,
    member: Member,
    *,
    quiz_answers: list | None = None,
    form_answers: dict | None = None,
    now: datetime,
) -> None:
    """A member enrolls when in the community; someone who is not joins it on the way when its
    entry asks for neither an invitation nor an approval. The challenge's own quiz and form
    (``entry.requirements``) are answered here."""
    community = session.get(Community, challenge.community_id)
    membership = membership_of(session, community.id, member.id)
    status = membership.status if membership is not None else None
    needs = entry.requirements(session, community, status, challenge)
    if needs.flash_guest:
        return  # plays in this flash challenge only: its enrollment is what lets them see it
    if status == MembershipStatus.PENDING:
        raise Forbidden("Your request to join this community waits for an organizer's approval.")
    if status == MembershipStatus.ACTIVE:
        if needs.asks_answers:
            answers = entry.check_answers(
                session,
                community,
                member.id,
                needs,
                quiz_answers=quiz_answers,
                form_answers=form_answers,
                now=now,
            )
            entry.set_tags(session, community.id, member.id, answers, replace=False)
        return
    if needs.invitation or needs.approval or (needs.asks_answers and needs.challenge_id is None):
        raise Forbidden(
            "This challenge is for members of its community, which has entry rules: join it first.",
            community_id=community.id,
        )
    join_community(
        session,
        community,
        member,
        quiz_answers=quiz_answers,
        form_answers=form_answers,
        challenge=challenge,
        now=now,
    )


def enrollment_of(session: Session, challenge_id: int, member_id: int) -> Enrollment | None:
    """The member's enrollment in the challenge, the newest when they joined again: that is the live
    one if there is one (a live enrollment can only be created when every other has ended, and an
    ended one never comes back), else the last that ended."""
    return session.scalar(
        select(Enrollment)
        .where(Enrollment.challenge_id == challenge_id, Enrollment.member_id == member_id)
        .order_by(Enrollment.id.desc())
        .limit(1)
    )


def live_enrollment_of(session: Session, challenge_id: int, member_id: int) -> Enrollment | None:
    """The member's live enrollment in the challenge (at most one), or None."""
    return session.scalar(
        select(Enrollment).where(
            Enrollment.challenge_id == challenge_id,
            Enrollment.member_id == member_id,
            Enrollment.status.in_(LIVE),
        )
    )


def own_enrollment(session: Session, enrollment_id: int, member: Member) -> Enrollment:
    """The member's own enrollment; NotFound (404) for a missing one and for anyone else's alike."""
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.member_id != member.id:
        raise NotFound(f"You have no enrollment {enrollment_id}.")
    return enrollment


def list_own_enrollments(
    session: Session, member: Member, *, page: int, per_page: int
) -> tuple[list[Enrollment], int]:
    """The member's enrollments, newest first."""
    query = select(Enrollment).where(Enrollment.member_id == member.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(Enrollment.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(items), total


def withdraw(session: Session, enrollment: Enrollment, *, now: datetime) -> Enrollment:
    """Quit the challenge.

    - still ``pending_payment``: withdrawn, nothing to give back;
    - ``active`` before day 0's window opens: withdrawn, and the whole held deposit goes back to
      the wallet (``books.quit_before_start_key``, so a retry posts nothing new);
    - ``active`` after that: withdrawn with ``withdrew_at``; settlement forfeits the rest of the
      deposit at the next day it settles (SPEC: treated as eliminated).

    Anything else (already withdrawn, eliminated, completed, cancelled, suspended by a card
    dispute) is left as it is: a repeated or late quit is ignored.
    """
    new_status = next_status(enrollment.status, EnrollmentEvent.QUIT)
    if new_status is None:
        return enrollment
    challenge = session.get(Challenge, enrollment.challenge_id)
    if enrollment.status == EnrollmentStatus.ACTIVE and now < challenge.day_zero_opens_at:
        _return_held_deposit(session, enrollment, now=now)
    enrollment.status = new_status
    enrollment.withdrew_at = now
    session.flush()
    return enrollment


def _return_held_deposit(session: Session, enrollment: Enrollment, *, now: datetime) -> None:
    held = books.open_account(session, books.held_deposit(enrollment.id, enrollment.currency))
    wallet = books.open_account(session, books.wallet(enrollment.member_id, enrollment.currency))
    amount = held_minor(session, enrollment)
    if amount <= 0:
        return
    ledger.post(
        session,
        key=books.quit_before_start_key(enrollment.id),
        currency=enrollment.currency,
        # Liabilities: the held deposit shrinks (debit +), the wallet grows (credit -).
        legs=[ledger.Leg(held, amount), ledger.Leg(wallet, -amount)],
        memo=f"enrollment {enrollment.id} withdrew before day 0: deposit back to the wallet",
        occurred_at=now,
    )


def held_minor(session: Session, enrollment: Enrollment) -> int:
    """What the enrollment's held deposit holds now (normal sign: positive is owed to the member)."""
    if enrollment.held_account_id is None:
        return 0  # no deposit has ever been asked for
    return ledger.normal_balance(session, enrollment.held_account_id)


def enrollment_money(session: Session, enrollment: Enrollment) -> dict:
    """held, returned, forfeited and won, in minor units, all from the ledger."""
    money = dict(receipts.enrollment_money(session, enrollment))
    money["held_minor"] = held_minor(session, enrollment)
    return money
