"""The threshold at the door: what joining asks of a member, and checking what they answered.

``requirements`` is the one place that decides what the entry requires of a member for a
community, or for enrolling in one of its challenges: an invitation, the organizers' approval,
a quiz, a registration form. A challenge may carry its own quiz and form (``entry_quiz``,
``entry_form``): they replace the community's for whoever enrolls in it; a member already in the
community answers them when enrolling, someone joining the community through the challenge answers
them instead of the community's (the invitation and the approval still apply).

``check_answers`` grades the quiz on the server (failed tries are kept, ``QUIZ_TRIES_PER_DAY``
per member per community in any 24 hours) and validates the form per field; the answers become
the member's tags (``habits.domain.entry.tag``), kept in ``member_tags``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from habits.domain import entry as rules
from habits.domain.instants import rfc3339_utc
from habits.models import Challenge, Community, MembershipStatus, MemberTag, QuizAttempt
from habits.services.errors import FieldError, HabitsError, InvalidInput
from habits.services.flash import flash_bypasses_entry

#: failed quiz tries a member has per community (or challenge) in any 24 hours
QUIZ_TRIES_PER_DAY = 3
QUIZ_TRIES_WINDOW = timedelta(hours=24)


class QuizTriesSpent(HabitsError):
    status = 429
    title = "Too many quiz tries"
    code = "quiz_tries_spent"


class QuizFailed(InvalidInput):
    """The answers were well formed but fewer than the pass mark were right (a try is spent)."""

    code = "quiz_not_passed"


@dataclass(frozen=True)
class Requirements:
    """What joining asks: an invite code, approval, a quiz, a form (empty: nothing)."""

    invitation: bool = False
    approval: bool = False
    quiz: dict | None = None
    form: list = field(default_factory=list)
    #: the challenge whose own quiz/form these are, or None (the community's)
    challenge_id: int | None = None
    #: a flash challenge's guest: plays in it without joining the community (``flash``)
    flash_guest: bool = False

    @property
    def asks_answers(self) -> bool:
        return bool(self.quiz) or bool(self.form)


def requirements(
    session: Session,
    community: Community,
    member_status: MembershipStatus | None,
    challenge: Challenge | None = None,
) -> Requirements:
    """What the entry requires of a member whose membership in ``community`` is ``member_status``
    (None: not in it), to join the community, or (``challenge``) to enroll in that challenge.

    The one decision of the threshold: a rule that lets some joins skip a part of it (flash
    challenges) belongs here.
    """
    member = member_status == MembershipStatus.ACTIVE
    if not member and challenge is not None and flash_bypasses_entry(community, challenge):
        return Requirements(flash_guest=True)
    own = challenge is not None and (challenge.entry_quiz is not None or challenge.entry_form is not None)
    if member:
        if not own:
            return Requirements()
        return Requirements(
            quiz=challenge.entry_quiz, form=challenge.entry_form or [], challenge_id=challenge.id
        )
    quiz, form = community.entry_quiz, community.entry_form or []
    if own:
        quiz, form = challenge.entry_quiz, challenge.entry_form or []
    return Requirements(
        invitation=community.invite_only,
        approval=community.approval,
        quiz=quiz,
        form=form,
        challenge_id=challenge.id if own else None,
    )


def _field_errors(problems: dict[str, list[rules.Problem]]) -> dict[str, list[FieldError]]:
    return {
        name: [FieldError(p.code, p.message, **p.params) for p in listed] for name, listed in problems.items()
    }


def check_definitions(quiz: dict | None, form: list | None) -> None:
    """Refuse (422, per field: ``entry.quiz.pass_mark``...) a quiz or form an organizer wrote
    that cannot work."""
    problems = {
        f"entry.{name}": found
        for name, found in {**rules.quiz_problems(quiz), **rules.form_problems(form)}.items()
    }
    if problems:
        raise InvalidInput("The entry quiz or form is not complete.", errors=_field_errors(problems))


def failed_tries(
    session: Session, community_id: int, member_id: int, challenge_id: int | None, *, now: datetime
) -> list[datetime]:
    """When the member failed this quiz in the last 24 hours, oldest first."""
    return list(
        session.scalars(
            select(QuizAttempt.attempted_at)
            .where(
                QuizAttempt.community_id == community_id,
                QuizAttempt.member_id == member_id,
                QuizAttempt.challenge_id.is_(None)
                if challenge_id is None
                else QuizAttempt.challenge_id == challenge_id,
                QuizAttempt.passed.is_(False),
                QuizAttempt.attempted_at > now - QUIZ_TRIES_WINDOW,
            )
            .order_by(QuizAttempt.attempted_at)
        )
    )


def refuse_when_tries_spent(
    session: Session, community_id: int, member_id: int, challenge_id: int | None, *, now: datetime
) -> None:
    tries = failed_tries(session, community_id, member_id, challenge_id, now=now)
    if len(tries) >= QUIZ_TRIES_PER_DAY:
        again = tries[-QUIZ_TRIES_PER_DAY] + QUIZ_TRIES_WINDOW
        raise QuizTriesSpent(
            f"You have used your {QUIZ_TRIES_PER_DAY} tries at the quiz for today; try again later.",
            retry_at=rfc3339_utc(again),
        )


def record_failed_quiz(
    session: Session, community: Community, member_id: int, challenge_id: int | None, *, now: datetime
) -> None:
    """Keep a failed try (the edge calls this in its own transaction after the refusal)."""
    session.add(
        QuizAttempt(
            community_id=community.id,
            challenge_id=challenge_id,
            member_id=member_id,
            passed=False,
            attempted_at=now,
        )
    )
    session.flush()


def check_answers(
    session: Session,
    community: Community,
    member_id: int,
    needs: Requirements,
    *,
    quiz_answers: list | None,
    form_answers: dict | None,
    now: datetime,
) -> dict:
    """The form's answers kept, once the form is valid and the quiz passed; InvalidInput (422)
    with a message per field otherwise, QuizFailed when the quiz is failed, QuizTriesSpent (429)
    when the tries are spent. The form is checked first: a try is spent only on a complete form."""
    kept, problems = rules.clean_form_answers(needs.form, form_answers)
    if needs.quiz:
        refuse_when_tries_spent(session, community.id, member_id, needs.challenge_id, now=now)
        problems.update(rules.quiz_answer_problems(needs.quiz, quiz_answers))
    if problems:
        raise InvalidInput("Some answers are missing or not right.", errors=_field_errors(problems))
    if needs.quiz:
        graded = rules.grade(needs.quiz, quiz_answers)
        if not graded.passed:
            message = f"{graded.right} right, {graded.pass_mark} needed to pass."
            raise QuizFailed(
                "The quiz was not passed.",
                errors={
                    "quiz_answers": [
                        FieldError("quiz_failed", message, right=graded.right, pass_mark=graded.pass_mark)
                    ]
                },
                right=graded.right,
                pass_mark=graded.pass_mark,
                challenge_id=needs.challenge_id,
            )
        session.add(
            QuizAttempt(
                community_id=community.id,
                challenge_id=needs.challenge_id,
                member_id=member_id,
                passed=True,
                attempted_at=now,
            )
        )
    return kept


def set_tags(session: Session, community_id: int, member_id: int, answers: dict, *, replace: bool) -> None:
    """The member's tags from ``answers`` (``replace``: their community tags are only these)."""
    if replace:
        session.execute(
            delete(MemberTag).where(MemberTag.community_id == community_id, MemberTag.member_id == member_id)
        )
    have = set(
        session.scalars(
            select(MemberTag.tag).where(
                MemberTag.community_id == community_id, MemberTag.member_id == member_id
            )
        )
    )
    for tag in dict.fromkeys(rules.tags_for(answers)):
        if tag not in have:
            session.add(MemberTag(community_id=community_id, member_id=member_id, tag=tag))
    session.flush()


def tags_of(session: Session, community_id: int, member_ids: list[int]) -> dict[int, list[str]]:
    """Each member's tags in the community, sorted."""
    if not member_ids:
        return {}
    found: dict[int, list[str]] = {}
    for member_id, tag in session.execute(
        select(MemberTag.member_id, MemberTag.tag)
        .where(MemberTag.community_id == community_id, MemberTag.member_id.in_(member_ids))
        .order_by(MemberTag.member_id, MemberTag.tag)
    ):
        found.setdefault(member_id, []).append(tag)
    return found


def tag_counts(session: Session, community_id: int) -> list[tuple[str, int]]:
    """The community's tags with how many members carry each, most common first."""
    return [
        tuple(row)
        for row in session.execute(
            select(MemberTag.tag, func.count())
            .where(MemberTag.community_id == community_id)
            .group_by(MemberTag.tag)
            .order_by(func.count().desc(), MemberTag.tag)
            .limit(200)
        )
    ]
