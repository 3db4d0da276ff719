"""Communities: creating, browsing, joining and leaving, and the roles inside one.

Roles (SPEC words): the organizer (the creator), co-organizers, core members, members.
Who may change whom:

- the organizer makes or unmakes co-organizers and core members, and may remove anyone else;
- a co-organizer may make or unmake core members and remove members and core members;
- nobody changes the organizer's role, and the organizer cannot leave: they hand the community
  over to another member first (``community_handover``).

Invite codes are generated (``habits.domain.invite_codes``): an organizer makes a community
by invitation or not, and may ask for a new code, but never chooses one. The edges limit failed
joins (a wrong code, missing answers) per member and per address (``habits.join_limits``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from habits.domain import invite_codes
from habits.models import (
    ORGANIZING_ROLES,
    Community,
    CommunityMembership,
    Member,
    MembershipStatus,
    Role,
    Theme,
)
from habits.services import visibility
from habits.services.errors import FieldError, Forbidden, HabitsError, InvalidInput, NotFound


def create_community(
    session: Session,
    organizer: Member,
    *,
    name: str,
    theme: Theme | str,
    description: str = "",
    rules_text: str = "",
    by_invitation: bool = False,
    join_questions: list[str] | None = None,
    requires_approval: bool = False,
    timezone: str | None = None,
    health_alert_bps: int | None = None,
    now: datetime,
) -> Community:
    """Create a community whose organizer is ``organizer``; ``by_invitation`` gives it a
    generated invite code."""
    community = Community(
        name=name.strip(),
        theme=Theme(theme),
        description=description,
        rules_text=rules_text,
        invite_code=invite_codes.new_code() if by_invitation else None,
        join_questions=list(join_questions or []),
        requires_approval=requires_approval,
        organizer_id=organizer.id,
        created_at=now,
        # the health figures count dates in the organizer's zone unless they choose another
        timezone=timezone or organizer.timezone or "UTC",
        health_alert_bps=health_alert_bps,
    )
    session.add(community)
    session.flush()
    session.add(
        CommunityMembership(
            community_id=community.id, member_id=organizer.id, role=Role.ORGANIZER, answers=[], joined_at=now
        )
    )
    session.flush()
    return community


def get_community(session: Session, community_id: int) -> Community:
    community = session.get(Community, community_id)
    if community is None:
        raise NotFound(f"There is no community {community_id}.")
    return community


def list_communities(
    session: Session, *, page: int, per_page: int, theme: str | None = None, now: datetime | None = None
) -> tuple[list[Community], int]:
    """One page of communities, oldest first (a stable order), and the total."""
    query = select(Community)
    if theme:
        query = query.where(Community.theme == Theme(theme))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(Community.id).limit(per_page).offset((page - 1) * per_page)).all()
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
    answers: list[str] | None = None,
    now: datetime,
) -> CommunityMembership:
    """Join (or rejoin after leaving). Active or pending already: returns the membership as it is.

    The invite code must match when the community has one; every join question needs an
    answer. A community that requires approval puts the member in ``pending``.
    """
    existing = membership_of(session, community.id, member.id)
    if existing is not None and existing.status != MembershipStatus.LEFT:
        return existing
    errors: dict[str, list[FieldError]] = {}
    if not invite_codes.matches(community.invite_code, invite_code):
        errors["invite_code"] = [
            FieldError(
                "invite_code_wrong",
                "This community is by invitation: the invite code is missing or not right.",
            )
        ]
    questions = community.join_questions or []
    answers = [answer.strip() for answer in (answers or [])]
    if len(answers) != len(questions) or not all(answers):
        message = f"Answer each of the community's {len(questions)} join question(s), in order."
        errors["answers"] = [FieldError("join_answers_missing", message, questions=len(questions))]
    if errors:
        raise InvalidInput("The community's entry rules are not met.", errors=errors)
    status = MembershipStatus.PENDING if community.requires_approval else MembershipStatus.ACTIVE
    if existing is not None:
        existing.status, existing.role, existing.answers, existing.joined_at = (
            status,
            Role.MEMBER,
            answers,
            now,
        )
        existing.left_at = None
        session.flush()
        return existing
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


def list_memberships(
    session: Session, community: Community, viewer: Member, *, page: int, per_page: int, now: datetime
) -> tuple[list[tuple[CommunityMembership, Member]], int]:
    """Members of a community (pending ones only for organizers), by join order; members only
    (NotFound for anyone else: visibility)."""
    visibility.visible_community(session, community.id, viewer, visibility.Audience.MEMBERS)
    role = active_role(session, community.id, viewer.id)
    statuses = [MembershipStatus.ACTIVE]
    if role in ORGANIZING_ROLES:
        statuses.append(MembershipStatus.PENDING)
    query = select(CommunityMembership, Member).join(Member, Member.id == CommunityMembership.member_id)
    query = query.where(
        CommunityMembership.community_id == community.id, CommunityMembership.status.in_(statuses)
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(CommunityMembership.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return [tuple(row) for row in rows], total


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


#: what ``update_community`` sets as given (the invite code has its own rules below)
CHANGEABLE = (
    "name",
    "description",
    "rules_text",
    "join_questions",
    "requires_approval",
    "timezone",
    "health_alert_bps",
)


def update_community(
    session: Session, community: Community, actor: Member, *, changes: dict, now: datetime
) -> Community:
    """Change a community's description and entry rules (organizer or co-organizer).

    ``by_invitation`` true gives the community a code (keeping the one it has), false opens it;
    ``new_invite_code`` true replaces the code (the old one stops working at once). Either
    settles the notice of a code replaced for security: the organizers have seen their code.
    """
    require_organizing(session, community, actor, "change the community")
    for name in CHANGEABLE:
        if name in changes:
            value = changes[name]
            setattr(community, name, value.strip() if name == "name" else value)
    if "by_invitation" in changes:
        if not changes["by_invitation"]:
            community.invite_code = None
        elif not community.invite_code:
            community.invite_code = invite_codes.new_code()
        community.invite_code_replaced_at = None
    if changes.get("new_invite_code") and community.invite_code:
        community.invite_code = invite_codes.new_code()
        community.invite_code_replaced_at = None
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
