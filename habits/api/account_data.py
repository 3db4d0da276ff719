"""/api/v1/me/export, /api/v1/me/deletion and /api/v1/communities/{id}/handover: a member's own
data, deleting the account, and the hand-over an organizer makes before they can delete theirs.

Rules: ``habits.services.account_export``, ``account_deletion`` and ``community_handover``.
"""

from __future__ import annotations

from flask_smorest import Blueprint

from habits.api.communities import community_views
from habits.api.docs import problems
from habits.api.edge import commit, read
from habits.api.schemas.account_data import DeletionSchema, ExportSchema, HandoverSchema
from habits.api.schemas.communities import CommunitySchema
from habits.api.security import auth_required, current_member
from habits.extensions import db
from habits.photo_files import photo_store
from habits.services import account_deletion, account_export, communities, community_handover

account_data_bp = Blueprint(
    "account_data", __name__, url_prefix="/api/v1", description="The member's own data and account"
)


@account_data_bp.route("/me/export", methods=["GET"])
@auth_required
@account_data_bp.response(200, ExportSchema)
def export_me():
    """Everything Streakpot holds that is the member's own, as one JSON document: profile, the
    terms accepted, memberships, enrollments, check-ins, rest days, the wallet statement (every
    entry), withdrawals and payouts."""
    return read(account_export.export_member_data, current_member())


@account_data_bp.route("/me/deletion", methods=["POST"])
@auth_required
@account_data_bp.arguments(DeletionSchema)
@account_data_bp.response(204)
@problems(409, 422)
def delete_me(data):
    """Delete the account (the password again). Erased: e-mail, name, password, every sign-in and
    token, mail, join answers, check-in notes and photos, payout destinations. Kept, under the
    member's id with nothing left to name them: the ledger's postings, enrollments and the
    records the books need.

    409 ``account_holds_money`` (``held``: where) while money is held for the member: a wallet
    balance, a held or frozen deposit, a refund or payout on its way, a deposit not paid yet;
    409 ``account_only_organizer`` (``community_ids``) while they are the only organizer of a
    community others belong to (POST /communities/{id}/handover first); 422 on ``password``."""
    commit(account_deletion.delete_account, current_member(), password=data["password"], photos=photo_store())


@account_data_bp.route("/communities/<id:community_id>/handover", methods=["POST"])
@auth_required
@account_data_bp.arguments(HandoverSchema)
@account_data_bp.response(200, CommunitySchema)
@problems(403)
def hand_over_community(data, community_id):
    """The organizer hands the community to another active member of it, who becomes its
    organizer; the former organizer stays as a co-organizer. 403 for anyone but the organizer;
    404 when ``member_id`` is not an active member of it."""
    community = communities.get_community(db.session, community_id)
    commit(community_handover.hand_over, community, current_member(), data["member_id"])
    return community_views([community], current_member())[0]
