"""Communities: creating, browsing, joining and leaving, and the roles inside one.

Roles (SPEC words): the organizer (the creator), co-organizers, core members, members.
Who may change whom:

- the organizer makes or unmakes co-organizers and core members, and may remove anyone else;
- a co-organizer may make or unmake core members and remove members and core members;
- nobody changes the organizer's role, and the organizer cannot leave: they hand the community
  over to another member first (``community_handover``).

The entry rules (``entry``: invitation only, approval, a quiz, a registration form) are
``habits.services.entry``'s. Invite codes are generated (``habits.domain.invite_codes``): an
organizer makes a community invitation only or not, and may ask for a new code, but never chooses
one. The edges limit failed joins (a wrong code, missing answers) per member and per address
(``habits.join_limits``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from habits.domain import invite_codes
from habits.models import (
    ORGANIZING_ROLES,
    Challenge,
    CheckIn,
    Community,
    CommunityMembership,
    Enrollment,
    Member,
    MembershipStatus,
    MemberTag,
    Role,
    Theme,
)
from habits.services import entry, invitations, visibility
from habits.services.errors import FieldError, Forbidden, HabitsError, InvalidInput, NotFound


def create_community(
    session: Session,
    organizer: Member,
    *,
    name: str,
    theme: Theme | str,
    description: str = "",
    rules_text: str = "",
    entry: dict | None = None,
    timezone: str | None = None,
    health_alert_bps: int | None = None,
    now: datetime,
) -> Community:
    """Create a community whose organizer is ``organizer``, with its ``entry`` rules
    (``invite_only`` gives it a generated invite code; see ``apply_entry``)."""
    community = Community(
        name=name.strip(),
        theme=Theme(theme),
        description=description,
        rules_text=rules_text,
        invite_code=None,
        approval=False,
        entry_quiz=None,
        entry_form=[],
        organizer_id=organizer.id,
        created_at=now,
        # the health figures count dates in the organizer's zone unless they choose another
        timezone=timezone or organizer.timezone or "UTC",
        health_alert_bps=health_alert_bps,
    )
    apply_entry(community, entry or {})
    session.add(community)
    session.flush()
    session.add(
        CommunityMembership(
            community_id=community.id, member_id=organizer.id, role=Role.ORGANIZER, answers={}, joined_at=now
        )
    )
    session.flush()
    return community


def apply_entry(community: Community, changes: dict) -> None:
    """Set the entry rules given in ``changes`` (the others stay): ``invite_only`` true gives the
    community a generated code (keeping the one it has), false opens it; ``new_invite_code`` true
    replaces the code (the old one stops working at once); ``quiz`` None removes the quiz.
    Refuses (422) a quiz or form that cannot work."""
    quiz = changes.get("quiz", community.entry_quiz)
    form = changes.get("form", community.entry_form)
    entry.check_definitions(quiz, form)
    community.entry_quiz, community.entry_form = quiz, list(form or [])
    if "approval" in changes:
        community.approval = changes["approval"]
    if "invite_quota" in changes:
        community.invite_quota = changes["invite_quota"]
    if "invite_only" in changes:
        if not changes["invite_only"]:
            community.invite_code = None
        elif not community.invite_code:
            community.invite_code = invite_codes.new_code()
        community.invite_code_replaced_at = None
    if changes.get("new_invite_code") and community.invite_code:
        community.invite_code = invite_codes.new_code()
        community.invite_code_replaced_at = None


def get_community(session: Session, community_id: int) -> Community:
    community = session.get(Community, community_id)
    if community is None:
        raise NotFound(f"There is no community {community_id}.")
    return community


def list_communities(
    session: Session,
    *,
    page: int,
    per_page: int,
    theme: str | None = None,
    now: datetime | None = None,
    newest_first: bool = False,
) -> tuple[list[Community], int]:
    """One page of communities and the total. Oldest first for the API (a new community never
    moves the pages a client has read); ``newest_first`` for people, whose pages say "Newer" and
    "Older" and who look for the community they were just told about."""
    query = select(Community)
    if theme:
        query = query.where(Community.theme == Theme(theme))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(Community.id.desc() if newest_first else Community.id)
    items = session.scalars(ordered.limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def membership_of(session: Session, community_id: int, member_id: int) -> CommunityMembership | None:
    return session.scalar(
        select(CommunityMembership).where(
            CommunityMembership.community_id == community_id, CommunityMembership.member_id == member_id
        )
    )


def active_role(session: Session, community_id: int, member_id: int) -> Role | None:
    """The member's role in the community, or None if they are not an active member."""
    membership = membership_of(session, community_id, member_id)
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        return None
    return Role(membership.role)


def is_organizing(session: Session, community_id: int, member_id: int) -> bool:
    """True for the organizer and co-organizers (who launch challenges and void check-ins)."""
    return active_role(session, community_id, member_id) in ORGANIZING_ROLES


def require_organizing(session: Session, community: Community, member: Member, action: str) -> None:
    """Raise Forbidden (403) unless ``member`` organizes ``community``."""
    if not is_organizing(session, community.id, member.id):
        raise Forbidden(f"Only the organizer or a co-organizer of this community may {action}.")


def member_counts(session: Session, community_ids: list[int]) -> dict[int, int]:
    """Active members per community, for the given ids."""
    if not community_ids:
        return {}
    rows = session.execute(
        select(CommunityMembership.community_id, func.count())
        .where(
            CommunityMembership.community_id.in_(community_ids),
            CommunityMembership.status == MembershipStatus.ACTIVE,
        )
        .group_by(CommunityMembership.community_id)
    ).all()
    return dict(rows)


def join_community(
    session: Session,
    community: Community,
    member: Member,
    *,
    invite_code: str | None = None,
    quiz_answers: list | None = None,
    form_answers: dict | None = None,
    challenge: Challenge | None = None,
    now: datetime,
) -> CommunityMembership:
    """Join (or rejoin after leaving). Active or pending already: returns the membership as it is.

    What the entry asks is ``entry.requirements`` (``challenge``: joining through that challenge,
    whose own quiz and form replace the community's). An invitation-only community needs its code
    or a member's personal invitation with uses left (each use kept); the form's answers are
    checked per field and the quiz graded (``entry.check_answers``); the answers become the
    member's tags. A community with approval puts the member in ``pending``.
    """
    existing = membership_of(session, community.id, member.id)
    if existing is not None and existing.status != MembershipStatus.LEFT:
        return existing
    needs = entry.requirements(session, community, None, challenge)
    by_community_code = bool(community.invite_code) and invite_codes.matches(
        community.invite_code, invite_code
    )
    invitation = None if by_community_code else invitations.by_code(session, community.id, invite_code)
    if needs.invitation and not by_community_code:
        if invitation is None:
            refusal = FieldError(
                "invite_code_wrong",
                "This community is by invitation: the invite code is missing or not right.",
            )
        elif invitations.used_up(session, community, invitation):
            refusal = FieldError(
                "invitation_used_up", "This invitation has brought in as many people as it may."
            )
        else:
            refusal = None
        if refusal is not None:
            raise InvalidInput("The community's entry rules are not met.", errors={"invite_code": [refusal]})
    answers = entry.check_answers(
        session, community, member.id, needs, quiz_answers=quiz_answers, form_answers=form_answers, now=now
    )
    status = MembershipStatus.PENDING if needs.approval else MembershipStatus.ACTIVE
    if existing is not None:
        existing.status, existing.role, existing.answers, existing.joined_at = (
            status,
            Role.MEMBER,
            answers,
            now,
        )
        existing.left_at = None
        membership = existing
    else:
        membership = CommunityMembership(
            community_id=community.id,
            member_id=member.id,
            role=Role.MEMBER,
            status=status,
            answers=answers,
            joined_at=now,
        )
        try:
            with session.begin_nested():
                session.add(membership)
        except IntegrityError:
            # A concurrent join of the same member won the unique key: theirs is ours.
            return membership_of(session, community.id, member.id)
    entry.set_tags(session, community.id, member.id, answers, replace=True)
    if invitation is not None and not invitations.used_up(session, community, invitation):
        invitations.record_use(session, invitation, member, now=now)
    session.flush()
    return membership


def leave_community(session: Session, community: Community, member: Member, *, now: datetime) -> None:
    """Leave the community (idempotent). The organizer cannot leave the community they own."""
    membership = membership_of(session, community.id, member.id)
    if membership is None or membership.status == MembershipStatus.LEFT:
        return
    if membership.role == Role.ORGANIZER:
        raise HabitsError("The organizer cannot leave the community they run.")
    membership.status, membership.role, membership.left_at = MembershipStatus.LEFT, Role.MEMBER, now
    session.flush()


#: a member is active lately when they checked in within this many days
ACTIVITY_DAYS = 7


class MemberFilter(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


def list_memberships(
    session: Session,
    community: Community,
    viewer: Member,
    *,
    page: int,
    per_page: int,
    tag: str | None = None,
    status: MembershipStatus | str | None = None,
    activity: MemberFilter | str | None = None,
    answer: str | None = None,
    now: datetime,
) -> tuple[list[tuple[CommunityMembership, Member]], int]:
    """Members of a community (pending ones only for organizers), by join order; members only
    (NotFound for anyone else: visibility). The filters (a tag, a status, checked in within the
    last ``ACTIVITY_DAYS`` days or not, a word in the answers) are the organizers' (Forbidden else):
    they read tags and answers."""
    visibility.visible_community(session, community.id, viewer, visibility.Audience.MEMBERS)
    role = active_role(session, community.id, viewer.id)
    organizing = role in ORGANIZING_ROLES
    if not organizing and (tag or status or activity or answer):
        raise Forbidden("Only the organizers filter the members by tag, status, activity or answers.")
    statuses = [MembershipStatus.ACTIVE]
    if organizing:
        statuses.append(MembershipStatus.PENDING)
    if status:
        statuses = [MembershipStatus(status)] if MembershipStatus(status) in statuses else []
    query = select(CommunityMembership, Member).join(Member, Member.id == CommunityMembership.member_id)
    query = query.where(
        CommunityMembership.community_id == community.id, CommunityMembership.status.in_(statuses)
    )
    if tag:
        query = query.where(
            exists().where(
                MemberTag.community_id == community.id,
                MemberTag.member_id == CommunityMembership.member_id,
                MemberTag.tag == tag,
            )
        )
    if answer:
        # answers are kept as tags too: a word of an answer is found in them
        query = query.where(
            exists().where(
                MemberTag.community_id == community.id,
                MemberTag.member_id == CommunityMembership.member_id,
                func.lower(MemberTag.tag).contains(answer.lower(), autoescape=True),
            )
        )
    if activity:
        recent = exists().where(
            Enrollment.member_id == CommunityMembership.member_id,
            Challenge.id == Enrollment.challenge_id,
            Challenge.community_id == community.id,
            CheckIn.enrollment_id == Enrollment.id,
            CheckIn.checked_in_at >= now - timedelta(days=ACTIVITY_DAYS),
        )
        query = query.where(recent if MemberFilter(activity) == MemberFilter.ACTIVE else ~recent)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(CommunityMembership.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return [tuple(row) for row in rows], total


def last_check_ins(session: Session, community_id: int, member_ids: list[int]) -> dict[int, datetime]:
    """Each member's latest check-in in the community's challenges."""
    if not member_ids:
        return {}
    rows = session.execute(
        select(Enrollment.member_id, func.max(CheckIn.checked_in_at))
        .join(CheckIn, CheckIn.enrollment_id == Enrollment.id)
        .join(Challenge, Challenge.id == Enrollment.challenge_id)
        .where(Challenge.community_id == community_id, Enrollment.member_id.in_(member_ids))
        .group_by(Enrollment.member_id)
    ).all()
    return dict(rows)


#: roles each organizing role may give or take away
_GRANTS = {
    Role.ORGANIZER: {Role.CO_ORGANIZER, Role.CORE_MEMBER, Role.MEMBER},
    Role.CO_ORGANIZER: {Role.CORE_MEMBER, Role.MEMBER},
}


def update_membership(
    session: Session,
    community: Community,
    actor: Member,
    member_id: int,
    *,
    role: Role | str | None = None,
    approve: bool = False,
    now: datetime,
) -> CommunityMembership:
    """Change a member's role, or approve a pending member (organizer and co-organizers).

    Raises Forbidden (403) for a change the actor's role does not allow, NotFound when the
    member is not in the community.
    """
    actor_role = active_role(session, community.id, actor.id)
    if actor_role not in ORGANIZING_ROLES:
        raise Forbidden("Only the organizer or a co-organizer may change members.")
    target = membership_of(session, community.id, member_id)
    if target is None or target.status == MembershipStatus.LEFT:
        raise NotFound(f"Member {member_id} is not in this community.")
    allowed = _GRANTS[actor_role]
    if role is not None:
        role = Role(role)
        if Role(target.role) not in allowed or role not in allowed:
            raise Forbidden(f"A {actor_role.value} cannot make a {Role(target.role).value} a {role.value}.")
        target.role = role
    if approve and target.status == MembershipStatus.PENDING:
        target.status = MembershipStatus.ACTIVE
        target.joined_at = now
    session.flush()
    return target


def remove_member(
    session: Session, community: Community, actor: Member, member_id: int, *, now: datetime
) -> None:
    """Take a member out of the community (they may leave themselves the same way)."""
    if member_id == actor.id:
        leave_community(session, community, actor, now=now)
        return
    actor_role = active_role(session, community.id, actor.id)
    if actor_role not in ORGANIZING_ROLES:
        raise Forbidden("Only the organizer or a co-organizer may remove members.")
    target = membership_of(session, community.id, member_id)
    if target is None or target.status == MembershipStatus.LEFT:
        return
    if Role(target.role) not in _GRANTS[actor_role]:
        raise Forbidden(f"A {actor_role.value} cannot remove a {Role(target.role).value}.")
    target.status, target.role, target.left_at = MembershipStatus.LEFT, Role.MEMBER, now
    session.flush()


#: what ``update_community`` sets as given (the entry rules have their own: ``apply_entry``)
CHANGEABLE = ("name", "description", "rules_text", "timezone", "health_alert_bps")


def update_community(
    session: Session, community: Community, actor: Member, *, changes: dict, now: datetime
) -> Community:
    """Change a community's description and entry rules (organizer or co-organizer); ``entry``
    as ``apply_entry`` reads it. A change to the code settles the notice of a code replaced for
    security: the organizers have seen their code."""
    require_organizing(session, community, actor, "change the community")
    for name in CHANGEABLE:
        if name in changes:
            value = changes[name]
            setattr(community, name, value.strip() if name == "name" else value)
    if "entry" in changes:
        apply_entry(community, changes["entry"])
    session.flush()
    return community


def dismiss_invite_code_notice(
    session: Session, community: Community, actor: Member, *, now: datetime
) -> None:
    """An organizer has read that the code was replaced for security: stop showing the notice."""
    require_organizing(session, community, actor, "change the community")
    community.invite_code_replaced_at = None
    session.flush()


def roles_of(session: Session, member_id: int, community_ids: list[int]) -> dict[int, CommunityMembership]:
    """The member's memberships among ``community_ids``, by community id."""
    if not community_ids:
        return {}
    rows = session.scalars(
        select(CommunityMembership).where(
            CommunityMembership.member_id == member_id, CommunityMembership.community_id.in_(community_ids)
        )
    ).all()
    return {row.community_id: row for row in rows}
