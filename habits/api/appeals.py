"""Appeal requests: a member asks for a day to count (JSON, or a multipart form that adds a photo,
as a check-in does); the organizers list them; one who does not play in the challenge decides.

Who sees what (SPEC): a request is its member's and the organizers'. The challenge's list is for
organizers: 404 for whoever may not see the challenge, 403 for its members who do not organize
it. The decision goes to the referee log (``GET /challenges/{id}/referee-log``), which the
challenge's participants read. Rules: ``habits.services.appeals``.
"""

from __future__ import annotations

import json

from flask import current_app, request
from flask_smorest import Blueprint, abort
from marshmallow import ValidationError

from habits.api.docs import problems
from habits.api.edge import commit
from habits.api.schemas.appeals import (
    AppealDecisionSchema,
    AppealListArgsSchema,
    AppealRequestCreateSchema,
    AppealRequestPageSchema,
    AppealRequestPhotoFormSchema,
    AppealRequestSchema,
)
from habits.api.schemas.common import PageArgsSchema
from habits.api.security import auth_required, current_member
from habits.extensions import db
from habits.models import AppealStatus
from habits.photo_files import NoPhoto, PhotoMissing, photo_store, send_photo, stored_photo
from habits.services import appeals, enrollments, photos

appeals_bp = Blueprint("appeals", __name__, url_prefix="/api/v1", description="Appeals")

_json_body = AppealRequestCreateSchema()
_form_body = AppealRequestPhotoFormSchema(partial=("photo",))

APPEAL_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": AppealRequestCreateSchema},
        "multipart/form-data": {"schema": AppealRequestPhotoFormSchema},
    },
}


def _load(schema, data, location: str) -> dict:
    try:
        return schema.load(data)
    except ValidationError as err:
        abort(422, messages={location: err.messages})


def read_appeal_body() -> tuple[dict, photos.Photo | None]:
    """The request's fields and photo: a multipart form (with ``photo``) or a JSON body."""
    if request.mimetype == "multipart/form-data":
        unknown = [name for name in request.files if name != "photo"]
        # unknown files are reported like unknown fields (422), never stored
        data = _load(_form_body, {**request.form.to_dict(), **dict.fromkeys(unknown, "")}, "form")
        upload = request.files.get("photo")
        photo = None
        if upload is not None:
            max_bytes = current_app.config["PHOTO_MAX_BYTES"]
            # one byte past the limit is enough to refuse: never the whole of a huge file
            photo = photos.accept_photo(upload.stream.read(max_bytes + 1), max_bytes=max_bytes)
        return data, photo
    raw = request.get_data()  # bounded by habits.request_bounds
    try:
        body = json.loads(raw) if raw else {}
    except (ValueError, RecursionError):
        abort(400, messages={"json": ["Invalid JSON body."]})
    return _load(_json_body, body, "json"), None


def view_of(line: appeals.AppealLine) -> dict:
    return {
        "id": line.id,
        "enrollment_id": line.enrollment_id,
        "challenge_id": line.challenge_id,
        "member": {"id": line.member_id, "display_name": line.member_name},
        "day_index": line.day_index,
        "reason": line.reason,
        "has_photo": line.has_photo,
        "status": line.status.value,
        "asked_at": line.asked_at,
        "due_at": line.due_at,
        "decided_at": line.decided_at,
        "decided_by": (
            {"id": line.decided_by_id, "display_name": line.decided_by_name}
            if line.decided_by_id is not None
            else None
        ),
        "decision_reason": line.decision_reason,
        "check_in_id": line.check_in_id,
        "check_in": line.check_in,
        "void_reason": line.void_reason,
    }


def _page(lines, total, page, per_page) -> dict:
    return {"items": [view_of(line) for line in lines], "total": total, "page": page, "per_page": per_page}


@appeals_bp.route("/enrollments/<id:enrollment_id>/appeals", methods=["POST"])
@auth_required
@appeals_bp.doc(requestBody=APPEAL_BODY)
@appeals_bp.response(201, AppealRequestSchema)
@problems(409, 422)
def ask_appeal(enrollment_id):
    """Ask the organizers to count day ``day_index`` (a voided check-in, or none once the window
    closed), until the day is due: JSON ``{day_index, reason}``, or a multipart form that adds
    ``photo``. 201 ``pending``; 409 with a ``code`` saying why not now."""
    member = current_member()
    enrollments.own_enrollment(db.session, enrollment_id, member)  # 404 before the body is read
    data, photo = read_appeal_body()
    appeal = commit(
        appeals.ask_appeal,
        enrollment_id,
        member=member,
        day_index=data["day_index"],
        reason=data["reason"],
        photo=photo,
        photo_store=photo_store() if photo else None,
    )
    return view_of(appeals.appeal_line(db.session, appeal.id))


@appeals_bp.route("/enrollments/<id:enrollment_id>/appeals", methods=["GET"])
@auth_required
@appeals_bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@appeals_bp.response(200, AppealRequestPageSchema)
@problems(404)
def list_my_appeals(enrollment_id, page, per_page):
    """Your appeals on this enrollment, newest first, with what the organizers decided."""
    enrollment = enrollments.own_enrollment(db.session, enrollment_id, current_member())
    lines, total = appeals.enrollment_appeals(db.session, enrollment, page=page, per_page=per_page)
    return _page(lines, total, page, per_page)


@appeals_bp.route("/challenges/<id:challenge_id>/appeals", methods=["GET"])
@auth_required
@appeals_bp.arguments(AppealListArgsSchema, location="query")
@appeals_bp.response(200, AppealRequestPageSchema)
@problems(403, 404)
def list_appeals(args, challenge_id):
    """Organizers: the challenge's appeal requests (``?status=pending`` for those waiting),
    oldest first. 404 for whoever may not see the challenge, 403 for its other members."""
    status = AppealStatus(args["status"]) if args.get("status") else None
    page, per_page = args["page"], args["per_page"]
    lines, total = appeals.challenge_appeals(
        db.session, challenge_id, current_member(), status=status, page=page, per_page=per_page
    )
    return _page(lines, total, page, per_page)


@appeals_bp.route("/appeals/<id:appeal_id>/decision", methods=["POST"])
@auth_required
@appeals_bp.arguments(AppealDecisionSchema)
@appeals_bp.response(200, AppealRequestSchema)
@problems(403, 409)
def decide(data, appeal_id):
    """An organizer who does not play in the challenge accepts (the check-in is recorded, until the
    day is due) or refuses the request, with a reason the referee log shows to participants.
    403 ``referee_plays_in_challenge`` for an organizer who plays; 409 once it is decided."""
    appeal = commit(
        appeals.decide_appeal,
        appeal_id,
        organizer=current_member(),
        accept=data["accept"],
        reason=data["reason"],
    )
    return view_of(appeals.appeal_line(db.session, appeal.id))


@appeals_bp.route("/appeals/<id:appeal_id>/photo", methods=["GET"])
@auth_required
@appeals_bp.doc(
    responses={
        "200": {
            "description": "The appeal's photo, with the type recognised when it was stored",
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in photos.TYPES},
        }
    }
)
@problems(404)
def get_photo(appeal_id):
    """An appeal's photo, for its member and the community's organizers only."""
    appeal = appeals.visible_appeal(db.session, appeal_id, current_member())
    try:
        data = stored_photo(appeal.photo_path, appeal.photo_content_type)
    except NoPhoto:
        abort(404, message="This appeal has no photo.")
    except PhotoMissing:
        abort(404, message="This appeal's photo is missing.")
    return send_photo(data, appeal.photo_content_type, inline=True)
