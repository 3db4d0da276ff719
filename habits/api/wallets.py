"""/api/v1/me/wallet and /api/v1/me/withdrawals: what the platform owes the member, and taking it out.

A withdrawal is two commits: first the booking (wallet -> refunds pending, one refund per
charge), then the refunds sent to the processor with their own idempotency keys. A crash between
the two leaves refunds ``requested``, which ``flask payments send-refunds`` sends later, never
twice. In the offline mode the gateway then delivers each refund's completion through the
webhook path before the answer is written.
"""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from habits import books
from habits.api.edge import commit, read, request_now
from habits.api.schemas.common import MAX_PER_PAGE, UTCInstant, currency_field
from habits.api.security import auth_required, current_member
from habits.extensions import db
from habits.services import receipts, wallets, withdrawals

GATEWAY = "streakpot.gateway"

wallets_bp = Blueprint("wallets", __name__, url_prefix="/api/v1/me", description="Wallet and withdrawals")


class BalanceSchema(Schema):
    currency = fields.String(required=True)
    available_minor = fields.Integer(required=True)


class WalletEntrySchema(Schema):
    at = UTCInstant(required=True)
    currency = fields.String(required=True)
    #: positive when money came into the wallet, negative when it left
    amount_minor = fields.Integer(required=True)
    #: the ledger's note for operators (English, days counted from 0, amounts in minor units):
    #: a client shows its own words, from the fields below
    memo = fields.String(required=True)
    #: the ledger transaction's key (its format says what moved: habits/books)
    key = fields.String(required=True)
    #: what moved: the key's kind (deposit, settle, open, withdrawal, refund, payout, ...)
    kind = fields.String(required=True)
    #: the kind's step (settle: rest, excused, winners, leftovers, final-split; ...), or null
    step = fields.String(required=True, allow_none=True)
    challenge_id = fields.Integer(required=True, allow_none=True)
    #: the settled day, 0-based as in SPEC (people read day_index + 1)
    day_index = fields.Integer(required=True, allow_none=True)
    enrollment_id = fields.Integer(required=True, allow_none=True)
    #: a winner's one posting (settle, winners): the stake that came back ...
    stake_minor = fields.Integer(required=True, allow_none=True)
    #: ... and the share of the pot; the two add up to amount_minor. Null for other entries.
    share_minor = fields.Integer(required=True, allow_none=True)


class RefundSchema(Schema):
    id = fields.Integer(required=True)
    refund_id = fields.String(allow_none=True)
    amount_minor = fields.Integer(required=True)
    currency = fields.String(required=True)
    #: requested, pending, succeeded or failed
    status = fields.Function(lambda refund: refund.status.value, required=True)
    failure_reason = fields.String(allow_none=True)


class WithdrawalSchema(Schema):
    id = fields.Integer(required=True)
    currency = fields.String(required=True)
    requested_minor = fields.Integer(required=True)
    #: sent back to cards, as refunds of earlier deposit charges (newest first)
    refunded_minor = fields.Integer(required=True)
    #: what no charge could take back: it stays in the wallet
    kept_minor = fields.Integer(required=True)
    #: why the kept part stays, or null
    note = fields.String(allow_none=True)
    created_at = UTCInstant(required=True)
    refunds = fields.List(fields.Nested(RefundSchema), required=True)


class WalletSchema(Schema):
    balances = fields.List(fields.Nested(BalanceSchema), required=True)
    entries = fields.List(fields.Nested(WalletEntrySchema), required=True)
    #: number of entries over all pages
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    withdrawals = fields.List(fields.Nested(WithdrawalSchema), required=True)


class WalletArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class WithdrawalCreateSchema(Schema):
    amount_minor = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**12))
    currency = currency_field(required=True)


def _entries(entries: list[wallets.WalletEntry], member_id: int) -> list[dict]:
    """Each entry with what its key says, and a winner's posting split as receipts split it."""
    parts = receipts.winner_parts(db.session, member_id, [entry.key for entry in entries])
    rows = []
    for entry in entries:
        parsed = books.parse_key(entry.key)
        stake, share = parts.get(entry.key, (None, None))
        rows.append(
            {
                "at": entry.at,
                "currency": entry.currency,
                "amount_minor": entry.amount_minor,
                "memo": entry.memo,
                "key": entry.key,
                "kind": parsed.kind.value,
                "step": parsed.part.value if parsed.part is not None else None,
                "challenge_id": parsed.challenge_id,
                "day_index": parsed.day_index,
                "enrollment_id": parsed.enrollment_id,
                "stake_minor": stake,
                "share_minor": share,
            }
        )
    return rows


def _as_dict(withdrawal) -> dict:
    return {
        "id": withdrawal.id,
        "currency": withdrawal.currency,
        "requested_minor": withdrawal.requested_minor,
        "refunded_minor": withdrawal.refunded_minor,
        "kept_minor": withdrawal.kept_minor,
        "note": withdrawal.note,
        "created_at": withdrawal.created_at,
        "refunds": withdrawals.withdrawal_refunds(db.session, withdrawal),
    }


@wallets_bp.route("/wallet", methods=["GET"])
@auth_required
@wallets_bp.arguments(WalletArgsSchema, location="query")
@wallets_bp.response(200, WalletSchema)
def get_wallet(args):
    """Balances per currency and the wallet's entries (newest first), all from the ledger."""
    member = current_member()
    view = read(wallets.wallet_view, member, page=args["page"], per_page=args["per_page"])
    return {
        "balances": view.balances,
        "entries": _entries(view.entries, member.id),
        "total": view.total,
        "page": view.page,
        "per_page": view.per_page,
        "withdrawals": [_as_dict(w) for w in view.withdrawals],
    }


@wallets_bp.route("/withdrawals", methods=["POST"])
@auth_required
@wallets_bp.arguments(WithdrawalCreateSchema)
@wallets_bp.response(201, WithdrawalSchema)
@wallets_bp.alt_response(409, response="CONFLICT")
def create_withdrawal(data):
    """Refund wallet money to the cards it came from (newest deposit charge first).

    What no charge can take back (winnings, deposits already refunded) stays in the wallet and
    ``note`` says why; 409 when the wallet holds less than asked, or when nothing can go back."""
    gateway = current_app.extensions[GATEWAY]
    withdrawal = commit(
        withdrawals.request_withdrawal,
        current_member(),
        amount_minor=data["amount_minor"],
        currency=data["currency"],
    )
    commit(withdrawals.send_withdrawal_refunds, withdrawal.id, gateway=gateway)
    gateway.after_commit(db.session, now=request_now())
    db.session.refresh(withdrawal)
    return _as_dict(withdrawal)
