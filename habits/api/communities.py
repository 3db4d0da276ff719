"""/api/v1/communities: browse, create, join and leave; members and roles; launching challenges."""

from __future__ import annotations

from flask_smorest import Blueprint

from habits import join_limits
from habits.api.challenges import challenge_view, challenge_views
from habits.api.docs import problems
from habits.api.edge import commit, read
from habits.api.schemas.challenges import ChallengeCreateSchema, ChallengePageSchema, ChallengeSchema
from habits.api.schemas.common import PageArgsSchema
from habits.api.schemas.communities import (
    CommunityCreateSchema,
    CommunityListArgsSchema,
    CommunityPageSchema,
    CommunitySchema,
    CommunityUpdateSchema,
    JoinCommunitySchema,
    MemberListArgsSchema,
    MembershipPageSchema,
    MembershipSchema,
    MembershipUpdateSchema,
)
from habits.api.schemas.entry import quiz_view
from habits.api.security import auth_required, current_member
from habits.extensions import db
from habits.models import ORGANIZING_ROLES, Community, CommunityMembership, Member, MembershipStatus, Role
from habits.services import challenges, communities, entry, visibility
from habits.services.errors import InvalidInput
from habits.services.visibility import Audience

communities_bp = Blueprint(
    "communities", __name__, url_prefix="/api/v1/communities", description="Communities and their members"
)


def community_views(items: list[Community], viewer: Member) -> list[dict]:
    ids = [community.id for community in items]
    counts = communities.member_counts(db.session, ids)
    mine = communities.roles_of(db.session, viewer.id, ids)
    views = []
    for community in items:
        membership = mine.get(community.id)
        active = membership is not None and membership.status == MembershipStatus.ACTIVE
        organizing = active and Role(membership.role) in ORGANIZING_ROLES
        views.append(
            {
                "id": community.id,
                "name": community.name,
                "theme": community.theme,
                "description": community.description,
                "rules_text": community.rules_text,
                "entry": entry_view(community, organizing=organizing),
                "organizer_id": community.organizer_id,
                "timezone": community.timezone,
                "health_alert_bps": community.health_alert_bps if organizing else None,
                "member_count": counts.get(community.id, 0),
                "my_role": membership.role if active else None,
                "my_status": membership.status if membership is not None else None,
                "created_at": community.created_at,
            }
        )
    return views


def entry_view(community: Community, *, organizing: bool) -> dict:
    """The entry rules; the code and the quiz's right answers for the organizers only."""
    return {
        "invite_code": community.invite_code if organizing else None,
        "invite_code_replaced_at": community.invite_code_replaced_at if organizing else None,
        "invite_only": community.invite_only,
        "approval": community.approval,
        "quiz": quiz_view(community.entry_quiz, organizing=organizing),
        "form": community.entry_form or [],
        "invite_quota": community.invite_quota,
    }


def membership_view(membership: CommunityMembership, member: Member, *, details: dict | None = None) -> dict:
    """A membership; ``details`` (answers, tags, last check-in) only where organizers read it."""
    details = details or {}
    return {
        "community_id": membership.community_id,
        "member": member,
        "role": membership.role,
        "status": membership.status,
        "joined_at": membership.joined_at,
        "answers": details.get("answers"),
        "tags": details.get("tags"),
        "last_check_in_at": details.get("last_check_in_at"),
    }


@communities_bp.route("", methods=["GET"])
@auth_required
@communities_bp.arguments(CommunityListArgsSchema, location="query", as_kwargs=True)
@communities_bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@communities_bp.response(200, CommunityPageSchema)
def list_communities(page, per_page, theme=None):
    """Browse communities, oldest first."""
    items, total = read(communities.list_communities, page=page, per_page=per_page, theme=theme)
    return {
        "items": community_views(items, current_member()),
        "total": total,
        "page": page,
        "per_page": per_page,
    }


@communities_bp.route("", methods=["POST"])
@auth_required
@communities_bp.arguments(CommunityCreateSchema)
@communities_bp.response(201, CommunitySchema)
def create_community(data):
    """Create a community; the caller is its organizer."""
    community = commit(communities.create_community, current_member(), **data)
    return community_views([community], current_member())[0]


@communities_bp.route("/<id:community_id>", methods=["GET"])
@auth_required
@communities_bp.response(200, CommunitySchema)
@problems(404)
def get_community(community_id):
    """A community's description and entry rules."""
    community = communities.get_community(db.session, community_id)
    return community_views([community], current_member())[0]


@communities_bp.route("/<id:community_id>", methods=["PATCH"])
@auth_required
@communities_bp.arguments(CommunityUpdateSchema)
@communities_bp.response(200, CommunitySchema)
@problems(403, 404)
def update_community(changes, community_id):
    """Change the description and entry rules (organizer and co-organizers)."""
    community = communities.get_community(db.session, community_id)
    commit(communities.update_community, community, current_member(), changes=changes)
    return community_views([community], current_member())[0]


@communities_bp.route("/<id:community_id>/members", methods=["GET"])
@auth_required
@communities_bp.arguments(MemberListArgsSchema, location="query", as_kwargs=True)
@communities_bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@communities_bp.response(200, MembershipPageSchema)
@problems(403, 404)
def list_members(community_id, page, per_page, **filters):
    """The community's members in join order (members only; pending ones for organizers).

    Organizers also read each member's registration answers, tags and last check-in, and filter
    by ``tag``, ``status`` (active, pending), ``activity`` (checked in within 7 days: active, or
    not: inactive) and ``answer`` (a word of an answer); anyone else who filters gets 403.
    """
    community = communities.get_community(db.session, community_id)
    viewer = current_member()
    rows, total = read(
        communities.list_memberships, community, viewer, page=page, per_page=per_page, **filters
    )
    details = member_details(community, [membership for membership, _member in rows], viewer)
    items = [
        membership_view(membership, member, details=details.get(member.id)) for membership, member in rows
    ]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def member_details(community: Community, memberships: list[CommunityMembership], viewer: Member) -> dict:
    """Answers, tags and last check-in of each member, for an organizer viewer; {} otherwise."""
    if not communities.is_organizing(db.session, community.id, viewer.id):
        return {}
    ids = [m.member_id for m in memberships]
    tags = entry.tags_of(db.session, community.id, ids)
    last = communities.last_check_ins(db.session, community.id, ids)
    return {
        m.member_id: {
            "answers": {key: str(value) for key, value in (m.answers or {}).items()},
            "tags": tags.get(m.member_id, []),
            "last_check_in_at": last.get(m.member_id),
        }
        for m in memberships
    }


@communities_bp.route("/<id:community_id>/members", methods=["POST"])
@auth_required
@communities_bp.arguments(JoinCommunitySchema, required=False)
@communities_bp.response(201, MembershipSchema)
@problems(404, 409, 429)
def join_community(data, community_id):
    """Join the community, with an invite code (the community's, or a member's personal
    invitation) and the quiz's and form's answers when its entry asks for them.

    Joining again while a member changes nothing. A community with approval answers with status
    ``pending`` until an organizer approves. Answers are checked per field (422, a message per
    field); a failed quiz spends one of the member's 3 tries in 24 hours (429 once spent, with
    ``retry_at``). Failed joins are limited per member and per address: 429 with ``Retry-After``.
    """
    community = communities.get_community(db.session, community_id)
    member = current_member()
    join_limits.refuse_when_over(member.id)
    try:
        membership = commit(communities.join_community, community, member, **data)
    except InvalidInput as refusal:
        join_limits.count_failure(member.id, community=community, refusal=refusal)
        raise
    return membership_view(membership, member)


@communities_bp.route("/<id:community_id>/members/<id:member_id>", methods=["PATCH"])
@auth_required
@communities_bp.arguments(MembershipUpdateSchema)
@communities_bp.response(200, MembershipSchema)
@problems(403, 404)
def update_membership(data, community_id, member_id):
    """Give or take a role (the organizer makes co-organizers), or approve a pending member."""
    community = communities.get_community(db.session, community_id)
    membership = commit(communities.update_membership, community, current_member(), member_id, **data)
    return membership_view(membership, db.session.get(Member, member_id))


@communities_bp.route("/<id:community_id>/members/<id:member_id>", methods=["DELETE"])
@auth_required
@communities_bp.response(204)
@problems(403, 404, 409)
def remove_member(community_id, member_id):
    """Leave the community (your own id), or remove a member (organizers)."""
    community = communities.get_community(db.session, community_id)
    commit(communities.remove_member, community, current_member(), member_id)


@communities_bp.route("/<id:community_id>/challenges", methods=["GET"])
@auth_required
@communities_bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@communities_bp.response(200, ChallengePageSchema)
@problems(404)
def list_challenges(community_id, page, per_page):
    """The community's challenges, latest start first (members of the community)."""
    community = visibility.visible_community(db.session, community_id, current_member(), Audience.MEMBERS)
    items, total = read(challenges.list_challenges, community, page=page, per_page=per_page)
    return {
        "items": challenge_views(items, current_member()),
        "total": total,
        "page": page,
        "per_page": per_page,
    }


@communities_bp.route("/<id:community_id>/challenges", methods=["POST"])
@auth_required
@communities_bp.arguments(ChallengeCreateSchema)
@communities_bp.response(201, ChallengeSchema)
@problems(403, 404)
def launch_challenge(rules, community_id):
    """Launch a challenge (organizer and co-organizers) with the rules of SPEC.md."""
    community = communities.get_community(db.session, community_id)
    challenge = commit(challenges.launch_challenge, community, current_member(), rules=rules)
    return challenge_view(challenge, current_member())
