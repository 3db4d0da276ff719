"""/api/v1/me/payouts and /api/v1/payouts: winnings paid out by the operator.

A member asks (``POST /me/payouts``) for what card refunds cannot take back; a site
administrator (``flask admin grant EMAIL``) approves it with their password, refuses it with a
reason, or marks it paid with the transfer's reference. The administrators' routes answer 404
to everyone else (SPEC, "Who sees what"). Rules and money: ``habits.services.payouts``.
"""

from __future__ import annotations

import functools

from flask import Response, abort
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from habits.api.docs import problems
from habits.api.edge import commit, read
from habits.api.schemas.common import (
    PageArgsSchema,
    StrictBoolean,
    Text,
    UTCInstant,
    currency_field,
    page_schema,
)
from habits.api.security import auth_required, current_member
from habits.domain.csv_cells import csv_text
from habits.domain.payouts import PayoutStatus
from habits.services import payout_views, payouts
from habits.services.site_admins import is_site_admin

payouts_bp = Blueprint("payouts", __name__, url_prefix="/api/v1", description="Payouts")

STATUSES = [status.value for status in PayoutStatus]


def admins_only(view):
    """404 for anyone but a site administrator, before the body is read (under auth_required)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not is_site_admin(current_member()):
            abort(404)
        return view(*args, **kwargs)

    return problems(404)(wrapper)


# --- schemas -------------------------------------------------------------------------------------


class PayoutEventSchema(Schema):
    #: request, approve, refuse or pay
    action = fields.Function(lambda event: event.action.value, required=True)
    at = UTCInstant(required=True)
    #: why it was refused (or the approver's note)
    reason = fields.String(allow_none=True)
    #: the transfer's reference, when marked paid
    reference = fields.String(allow_none=True)


class AdminPayoutEventSchema(PayoutEventSchema):
    #: the member who asked, or the administrator who decided
    actor_id = fields.Integer(required=True)


class PayoutSchema(Schema):
    id = fields.Integer(required=True)
    currency = fields.String(required=True)
    amount_minor = fields.Integer(required=True)
    destination = fields.String(required=True)
    #: requested, approved, refused or paid
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    requested_at = UTCInstant(required=True)
    decided_at = UTCInstant(allow_none=True)
    paid_at = UTCInstant(allow_none=True)
    #: the audit log of this payout, oldest first
    events = fields.List(fields.Nested(PayoutEventSchema), required=True)


class AdminPayoutSchema(PayoutSchema):
    member_id = fields.Integer(required=True)
    member_name = fields.String(required=True)
    member_email = fields.String(required=True)
    decided_by_id = fields.Integer(allow_none=True)
    paid_by_id = fields.Integer(allow_none=True)
    events = fields.List(fields.Nested(AdminPayoutEventSchema), required=True)


#: the payout's own columns every view shows
PAYOUT_FIELDS = (
    "id", "currency", "amount_minor", "destination", "reason", "reference",
    "requested_at", "decided_at", "paid_at",
)  # fmt: skip

PayoutPageSchema = page_schema(PayoutSchema, "PayoutPage")
AdminPayoutPageSchema = page_schema(AdminPayoutSchema, "AdminPayoutPage")


class PayoutCreateSchema(Schema):
    amount_minor = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**12))
    currency = currency_field(required=True)
    #: where the operator should send it (an account, a payment app id), as you would tell a person
    destination = Text(
        required=True, blank=False, validate=validate.Length(min=1, max=payouts.MAX_DESTINATION)
    )


class PayoutListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))


class DecisionSchema(Schema):
    approve = StrictBoolean(required=True)
    #: required to refuse (the member reads it); an optional note to approve
    reason = Text(validate=validate.Length(max=payouts.MAX_REASON))
    #: required to approve: the administrator's own password, again
    password = Text(validate=validate.Length(max=256), load_only=True)


class PaidSchema(Schema):
    #: the transfer's reference at the bank or payment app
    reference = Text(required=True, blank=False, validate=validate.Length(min=1, max=payouts.MAX_REFERENCE))


def _view(record) -> dict:
    payout = record.payout
    view = {name: getattr(payout, name) for name in PAYOUT_FIELDS}
    view["status"] = payout.status.value
    view["events"] = record.events
    view.update(
        member_id=payout.member_id,
        member_name=record.member_name,
        member_email=record.member_email,
        decided_by_id=payout.decided_by_id,
        paid_by_id=payout.paid_by_id,
    )
    return view


def _page(page) -> dict:
    items = [_view(record) for record in page.items]
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page}


# --- a member's own ------------------------------------------------------------------------------


@payouts_bp.route("/me/payouts", methods=["GET"])
@auth_required
@payouts_bp.arguments(PageArgsSchema, location="query")
@payouts_bp.response(200, PayoutPageSchema)
def list_my_payouts(args):
    """Your payouts, newest first, each with its decisions."""
    member = current_member()
    return _page(read(payout_views.member_payouts, member, page=args["page"], per_page=args["per_page"]))


@payouts_bp.route("/me/payouts", methods=["POST"])
@auth_required
@payouts_bp.arguments(PayoutCreateSchema)
@payouts_bp.response(201, PayoutSchema)
@problems(409)
def request_payout(data):
    """Ask for winnings to be paid out: what card refunds cannot take back (the rest of the
    wallet goes back to your cards with POST /me/withdrawals). Nothing moves until a site
    administrator approves it; 409 ``payout_over_ceiling`` says how much a payout can take."""
    payout = commit(payouts.request_payout, current_member(), **data)
    return _view(payout_views.PayoutRecord(payout, read(payout_views.events_of, payout.id)))


# --- site administrators -------------------------------------------------------------------------


@payouts_bp.route("/payouts", methods=["GET"])
@auth_required
@admins_only
@payouts_bp.arguments(PayoutListArgsSchema, location="query")
@payouts_bp.response(200, AdminPayoutPageSchema)
def list_payouts(args):
    """Payouts by status (site administrators): waiting ones oldest first, decided newest first."""
    status = PayoutStatus(args["status"]) if args.get("status") else None
    pages = {"page": args["page"], "per_page": args["per_page"]}
    return _page(read(payout_views.payouts_for_admins, current_member(), status=status, **pages))


def _admin_record(payout) -> dict:
    """The payout as an administrator sees it, with its audit log."""
    return _view(read(payout_views.admin_record, current_member(), payout.id))


@payouts_bp.route("/payouts/<id:payout_id>/decision", methods=["POST"])
@auth_required
@admins_only
@payouts_bp.arguments(DecisionSchema)
@payouts_bp.response(200, AdminPayoutSchema)
@problems(403, 409)
def decide(data, payout_id):
    """Approve (``password`` required: yours, again) or refuse (``reason`` required). Approving
    moves the amount from the member's wallet to payouts pending; refusing an approved payout
    moves it back. The same decision again changes nothing; another one is a 409."""
    payout = commit(
        payouts.decide_payout,
        payout_id,
        admin=current_member(),
        approve=data["approve"],
        reason=data.get("reason"),
        password=data.get("password"),
    )
    return _admin_record(payout)


@payouts_bp.route("/payouts/<id:payout_id>/paid", methods=["POST"])
@auth_required
@admins_only
@payouts_bp.arguments(PaidSchema)
@payouts_bp.response(200, AdminPayoutSchema)
@problems(403, 409)
def mark_paid(data, payout_id):
    """You sent an approved payout by your own means: record the transfer's ``reference``
    (payouts pending -> processor cash). The same reference again changes nothing."""
    payout = commit(payouts.mark_paid, payout_id, admin=current_member(), reference=data["reference"])
    return _admin_record(payout)


@payouts_bp.route("/payouts/pending.csv", methods=["GET"])
@auth_required
@admins_only
@payouts_bp.response(200, {"type": "string"}, content_type="text/csv", description="Approved payouts to pay")
def pending_csv():
    """Approved payouts waiting to be paid, oldest first, as CSV (what members typed is
    written as text: a cell starting with = + - @ gets a leading ')."""
    rows = read(payout_views.pending_payout_rows, current_member())
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="pending-payouts.csv"'},
    )
