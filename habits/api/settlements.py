"""Settlement routes: a day's statement, a member's receipts, rest days, excuses and appeals,
and the referee log (every void, appeal and excuse, with who, when and why)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from habits.api.docs import problems
from habits.api.edge import commit
from habits.api.schemas.common import PageArgsSchema, Text, UTCInstant, page_schema
from habits.api.schemas.members import PublicMemberSchema
from habits.api.security import auth_required, current_member
from habits.domain.calendar import MAX_DAYS
from habits.extensions import db
from habits.models import Challenge, Enrollment, Member, RefereeKind, Split
from habits.routing import MAX_ROW_ID
from habits.services import challenges, daymarks, receipts, referees, visibility
from habits.services.errors import NotFound
from habits.services.receipts import LINE_ORDER

settlements_bp = Blueprint("settlements", __name__, url_prefix="/api/v1", description="Settlement")

MAX_REASON = daymarks.MAX_REASON
#: a statement page may be longer than other lists: a day of a big challenge has many lines
MAX_LINES_PER_PAGE = 1000


# --- schemas -------------------------------------------------------------------------------------


class StatementArgsSchema(PageArgsSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000_000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_LINES_PER_PAGE))


class StatementLineSchema(Schema):
    enrollment_id = fields.Integer(required=True)
    #: returned, rest_day, excused, missed, eliminated, withdrawn, leftover, won, final_share
    kind = fields.String(required=True, validate=validate.OneOf(LINE_ORDER))
    #: always positive: what moved for this enrollment
    amount_minor = fields.Integer(required=True)
    #: ``won`` lines: the winner's place in SPEC order (check-in instant, then enrollment id), the
    #: order in which the equal split gives out extra units and the random split is recomputed
    winner_rank = fields.Integer()


class DayStatementSchema(Schema):
    challenge_id = fields.Integer(required=True)
    day_index = fields.Integer(required=True)
    #: settled, or excused (every stake came back and the pot carried)
    status = fields.String(required=True, validate=validate.OneOf(["settled", "excused"]))
    excuse_reason = fields.String(allow_none=True)
    currency = fields.String(required=True)
    stake_minor = fields.Integer(required=True)
    carried_in_minor = fields.Integer(required=True)
    forfeited_minor = fields.Integer(required=True)
    #: SPEC's P: carried in + forfeited
    pot_minor = fields.Integer(required=True)
    fee_minor = fields.Integer(required=True)
    #: SPEC's R as paid to the day's winners
    split_minor = fields.Integer(required=True)
    carried_minor = fields.Integer(required=True)
    final_split_minor = fields.Integer(required=True)
    unclaimed_minor = fields.Integer(required=True)
    returned_minor = fields.Integer(required=True)
    split = fields.String(required=True, validate=validate.OneOf([s.value for s in Split]))
    #: random split only: with the ordered winners it recomputes every share
    seed = fields.String()
    winners = fields.Integer(required=True)
    last_day = fields.Boolean(required=True)
    settled_at = UTCInstant(required=True)
    lines = fields.List(fields.Nested(StatementLineSchema), required=True)
    #: lines in the whole statement (this response holds one page of them)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class ReceiptSchema(Schema):
    day_index = fields.Integer(required=True)
    status = fields.String(allow_none=True)
    #: what happened to the member that day: returned, rest_day, excused, missed, eliminated, withdrawn
    kind = fields.String(allow_none=True)
    returned_minor = fields.Integer(required=True)
    forfeited_minor = fields.Integer(required=True)
    won_minor = fields.Integer(required=True)
    settled_at = UTCInstant(allow_none=True)


ReceiptPageSchema = page_schema(ReceiptSchema, "ReceiptPage")


class ReceiptsSchema(ReceiptPageSchema):
    enrollment_id = fields.Integer(required=True)
    currency = fields.String(required=True)
    deposit_minor = fields.Integer(required=True)
    held_minor = fields.Integer(required=True)
    returned_minor = fields.Integer(required=True)
    forfeited_minor = fields.Integer(required=True)
    won_minor = fields.Integer(required=True)
    frozen_minor = fields.Integer(required=True)


class ReasonSchema(Schema):
    reason = Text(required=True, validate=validate.Length(min=1, max=MAX_REASON))


class ExcusedDaySchema(Schema):
    challenge_id = fields.Integer(required=True)
    day_index = fields.Integer(required=True)
    reason = fields.String(required=True)
    excused_by_id = fields.Integer(allow_none=True)
    created_at = UTCInstant(required=True)


class AppealCreateSchema(ReasonSchema):
    enrollment_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ROW_ID))


class AppealSchema(Schema):
    id = fields.Integer(required=True)
    enrollment_id = fields.Integer(required=True)
    day_index = fields.Integer(required=True)
    checked_in_at = UTCInstant(required=True)
    source = fields.String(required=True)
    appeal_reason = fields.String(required=True)
    recorded_by_id = fields.Integer(required=True)


class RestDayCreateSchema(Schema):
    day_index = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_DAYS - 1))


class RestDaySchema(Schema):
    enrollment_id = fields.Integer(required=True)
    day_index = fields.Integer(required=True)
    declared_at = UTCInstant(required=True)
    rest_days_used = fields.Integer(required=True)
    rest_days_allowed = fields.Integer(required=True)


class RefereeLogEntrySchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in RefereeKind]))
    day_index = fields.Integer(required=True)
    #: who decided: an organizer, or null when the service excused a day for its own outage
    referee = fields.Nested(PublicMemberSchema, required=True, allow_none=True)
    acted_at = UTCInstant(required=True)
    reason = fields.String(required=True)
    #: the enrollment whose check-in was voided or recorded (null for an excused day)
    enrollment_id = fields.Integer(required=True, allow_none=True)
    #: that enrollment's member (null for an excused day)
    participant = fields.Nested(PublicMemberSchema, required=True, allow_none=True)


RefereeLogSchema = page_schema(RefereeLogEntrySchema, "RefereeLog")


def _person(member_id: int | None, name: str | None) -> dict | None:
    return None if member_id is None else {"id": member_id, "display_name": name}


def _own_enrollment(enrollment_id: int, member: Member) -> Enrollment:
    """The member's own enrollment; 404 alike for a missing one and for anyone else's."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.member_id != member.id:
        raise NotFound(f"You have no enrollment {enrollment_id}.")
    return enrollment


# --- routes --------------------------------------------------------------------------------------


@settlements_bp.route("/challenges/<id:challenge_id>/days/<day:day_index>/settlement", methods=["GET"])
@auth_required
@settlements_bp.arguments(StatementArgsSchema, location="query")
@settlements_bp.response(200, DayStatementSchema)
@problems(404)
def get_day_settlement(args, challenge_id, day_index):
    """Day k's settlement statement: the pot, fee, split and carry, and a page of lines from the
    ledger (one per movement of an enrollment's money). 404 until the day is settled, and for
    anyone outside the challenge's community."""
    visibility.visible_challenge(db.session, challenge_id, current_member())
    return receipts.day_statement(
        db.session, challenge_id, day_index, page=args["page"], per_page=args["per_page"]
    )


@settlements_bp.route("/enrollments/<id:enrollment_id>/receipts", methods=["GET"])
@auth_required
@settlements_bp.arguments(PageArgsSchema, location="query")
@settlements_bp.response(200, ReceiptsSchema)
@problems(404)
def get_receipts(args, enrollment_id):
    """The member's own receipts: per settled day, what came back, what was forfeited, the share won."""
    enrollment = _own_enrollment(enrollment_id, current_member())
    body = receipts.enrollment_receipts(db.session, enrollment, page=args["page"], per_page=args["per_page"])
    body.update(receipts.enrollment_money(db.session, enrollment), enrollment_id=enrollment.id)
    return body


@settlements_bp.route("/enrollments/<id:enrollment_id>/rest-days", methods=["POST"])
@auth_required
@settlements_bp.arguments(RestDayCreateSchema)
@settlements_bp.response(201, RestDaySchema)
@problems(404, 409, 422)
def declare_rest_day(data, enrollment_id):
    """Declare day k a rest day, before its window opens, within the challenge's allowance."""
    rest = commit(
        daymarks.declare_rest_day, enrollment_id, member=current_member(), day_index=data["day_index"]
    )
    enrollment = _own_enrollment(enrollment_id, current_member())
    challenge = db.session.get(Challenge, enrollment.challenge_id)
    return {
        "enrollment_id": rest.enrollment_id,
        "day_index": rest.day_index,
        "declared_at": rest.declared_at,
        "rest_days_used": enrollment.rest_days_used,
        "rest_days_allowed": challenge.rest_days,
    }


@settlements_bp.route("/challenges/<id:challenge_id>/days/<day:day_index>/excuse", methods=["POST"])
@auth_required
@settlements_bp.arguments(ReasonSchema)
@settlements_bp.response(201, ExcusedDaySchema)
@problems(403, 404, 409, 422)
def excuse_day(data, challenge_id, day_index):
    """Organizers: excuse day k, with a reason, until it is due. Nothing is forfeited that day."""
    return commit(
        daymarks.excuse_day,
        challenge_id,
        organizer=current_member(),
        day_index=day_index,
        reason=data["reason"],
    )


@settlements_bp.route("/challenges/<id:challenge_id>/days/<day:day_index>/checkins", methods=["POST"])
@auth_required
@settlements_bp.arguments(AppealCreateSchema)
@settlements_bp.response(201, AppealSchema)
@problems(403, 404, 409, 422)
def accept_appeal(data, challenge_id, day_index):
    """Organizers: accept a member's appeal and record their check-in for day k, until it is due."""
    return commit(
        daymarks.accept_appeal,
        challenge_id,
        organizer=current_member(),
        day_index=day_index,
        enrollment_id=data["enrollment_id"],
        reason=data["reason"],
    )


@settlements_bp.route("/challenges/<id:challenge_id>/referee-log", methods=["GET"])
@auth_required
@settlements_bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@settlements_bp.response(200, RefereeLogSchema)
@problems(404)
def get_referee_log(challenge_id, page, per_page):
    """Every void, accepted appeal and excused day of the challenge, newest first, with who
    decided, when and why (its participants and the community's organizers; 404 for others)."""
    challenge = challenges.get_challenge(db.session, challenge_id)
    lines, total = referees.referee_log(db.session, challenge, current_member(), page=page, per_page=per_page)
    items = [
        {
            "id": line.id,
            "kind": line.kind.value,
            "day_index": line.day_index,
            "referee": _person(line.referee_id, line.referee_name),
            "acted_at": line.acted_at,
            "reason": line.reason,
            "enrollment_id": line.enrollment_id,
            "participant": _person(line.participant_id, line.participant_name),
        }
        for line in lines
    ]
    return {"items": items, "total": total, "page": page, "per_page": per_page}
