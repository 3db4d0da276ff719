"""Personal invitations: a member's own link to a community, and its QR code image."""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint

from habits.api.docs import problems
from habits.api.edge import commit
from habits.api.schemas.communities import InvitationSchema
from habits.api.security import auth_required, current_member
from habits.extensions import db
from habits.invitation_links import invitation_link, qr_response
from habits.models import Community, Invitation
from habits.services import communities, invitations

invitations_bp = Blueprint(
    "invitations", __name__, url_prefix="/api/v1", description="Personal invitations to communities"
)


def invitation_view(invitation: Invitation, community: Community) -> dict:
    return {
        "community_id": invitation.community_id,
        "code": invitation.code,
        "url": invitation_link(invitation.community_id, invitation.code),
        "qr_url": url_for("invitations.invitation_qr", code=invitation.code, _external=True),
        "uses": invitations.uses(db.session, invitation.id),
        "quota": community.invite_quota,
        "created_at": invitation.created_at,
    }


@invitations_bp.route("/communities/<id:community_id>/invitations", methods=["POST"])
@auth_required
@invitations_bp.response(201, InvitationSchema)
@problems(403, 404)
def create_invitation(community_id):
    """The caller's personal invitation to the community (made on first asking, the same one
    after): a link that opens an invitation-only community for up to ``quota`` people."""
    community = communities.get_community(db.session, community_id)
    invitation = commit(invitations.invitation_for, community, current_member())
    return invitation_view(invitation, community)


@invitations_bp.route("/invitations/<string(length=10):code>/qr.png", methods=["GET"])
@auth_required
@invitations_bp.response(200, content_type="image/png")
@problems(404)
def invitation_qr(code):
    """The QR code image of an invitation's link (its member and the community's organizers)."""
    invitation = invitations.visible_invitation(db.session, code, current_member())
    return qr_response(invitation.community_id, invitation.code)
