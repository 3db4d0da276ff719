"""Check-ins: the wake-up tap (JSON, or multipart with a photo), photos, voiding (the feed: api/feed.py).

``POST /enrollments/{id}/checkins`` is the hot path of the wake-up spike: it authenticates
inside the check-in's own single query (checkins.check_in_with_token) instead of through
``auth_required``, so a tap costs one read and one insert. Its JSON body is read first, bounded
to ``MAX_JSON_BYTES``; a photo form is read only once the token and enrollment are found.
A missing or wrong token spends from its address's failed-authentication limit (habits/ratelimits.py).
"""

from __future__ import annotations

import functools
import json
from typing import NoReturn

from flask import current_app, request
from flask_smorest import Blueprint, abort
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, Unauthorized

from habits import request_bounds
from habits.api.docs import problems
from habits.api.edge import commit
from habits.api.schemas.common import PageArgsSchema
from habits.api.schemas.enrollments import (
    CheckInCreatedSchema,
    CheckInCreateSchema,
    CheckInPageSchema,
    CheckInPhotoFormSchema,
    CheckInSchema,
    VoidSchema,
)
from habits.api.security import SECURITY, auth_required, bearer_token_hash, current_member
from habits.domain.instants import rfc3339_utc
from habits.extensions import db
from habits.models import CheckIn
from habits.observability.metrics import CHECKINS
from habits.photo_files import NoPhoto, PhotoMissing, photo_store, send_photo, stored_photo
from habits.services import card_facts, checkins, enrollments, photos
from habits.share_card import card_response

checkins_bp = Blueprint("checkins", __name__, url_prefix="/api/v1", description="Check-ins")

_json_body = CheckInCreateSchema()
#: a check-in's JSON is a note of at most 2,000 characters (6 bytes each when escaped) and a
#: number: a longer body is refused unread, so what is read before authentication stays small
MAX_JSON_BYTES = 16 * 1024
_form_body = CheckInPhotoFormSchema(partial=("photo",))

CHECKIN_BODY = {
    "required": False,
    "content": {
        "application/json": {"schema": CheckInCreateSchema},
        "multipart/form-data": {"schema": CheckInPhotoFormSchema},
    },
}


def read_photo_form() -> checkins.Evidence:
    """The check-in's evidence from a multipart form with a photo (called once authenticated).

    Nothing is stored here: a photo is only read and recognised by its bytes.
    """
    files = request.files
    unknown = [name for name in files if name != "photo"]
    # Unknown files are reported like unknown fields (422), never stored.
    form = {**request.form.to_dict(), **dict.fromkeys(unknown, "")}
    data = _load(_form_body, form, "form")
    upload = files.get("photo")
    photo = None
    if upload is not None:
        max_bytes = current_app.config["PHOTO_MAX_BYTES"]
        # Read one byte past the limit: enough to refuse, never the whole of a huge file.
        photo = photos.accept_photo(upload.stream.read(max_bytes + 1), max_bytes=max_bytes)
    return checkins.Evidence(note=data["note"], value=data["value"], photo=photo)


def read_json_evidence() -> checkins.Evidence:
    """The check-in's evidence from its JSON body (``MAX_JSON_BYTES`` at most, else 413)."""
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise RequestEntityTooLarge(f"A check-in's JSON body is at most {MAX_JSON_BYTES // 1024} KiB.")
    raw = request.stream.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise RequestEntityTooLarge(f"A check-in's JSON body is at most {MAX_JSON_BYTES // 1024} KiB.")
    body = {}
    if raw:
        # the app's one bound on JSON (read here from the stream, so checked here)
        reason = request_bounds.beyond_bounds(raw)
        if reason:
            raise request_bounds.BodyBeyondBounds(reason)
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            abort(400, messages={"json": ["Invalid JSON body."]})
    data = _load(_json_body, body, "json")
    return checkins.Evidence(note=data["note"], value=data["value"])


def _json_evidence_or_its_refusal() -> checkins.Evidence | checkins.LazyEvidence:
    """The JSON tap's evidence; or, when the body is refused (too large, not JSON, invalid), the
    refusal as lazy evidence: told only once the caller is authenticated, like a photo form's,
    so a made-up token learns nothing of the body's rules."""
    try:
        return read_json_evidence()
    except HTTPException as refused:
        return functools.partial(_raise, refused)


def _raise(refusal: HTTPException) -> NoReturn:
    raise refusal


def _load(schema, data, location: str) -> dict:
    if isinstance(data, dict) and isinstance(data.get("value"), str):
        # a number typed as text is bounded before anything converts it
        problem = checkins.value_text_problem(data["value"])
        if problem:
            abort(422, messages={location: {"value": [problem]}})
    try:
        return schema.load(data)
    except ValidationError as err:
        abort(422, messages={location: err.messages})


def view_of(checkin: CheckIn) -> dict:
    return {
        "id": checkin.id,
        "enrollment_id": checkin.enrollment_id,
        "challenge_id": checkin.challenge_id,
        "day_index": checkin.day_index,
        "checked_in_at": checkin.checked_in_at,
        "note": checkin.note,
        "value": checkin.value,
        "has_photo": checkin.photo_path is not None,
        "counts_for_money": checkin.counts_for_money,
        "voided_at": checkin.voided_at,
        "void_reason": checkin.void_reason,
    }


@checkins_bp.route("/enrollments/<id:enrollment_id>/checkins", methods=["POST"])
@checkins_bp.doc(security=SECURITY, requestBody=CHECKIN_BODY)
@checkins_bp.response(201, CheckInCreatedSchema)
@problems(400, 401, 404, 409, 413, 422)
def create_checkin(enrollment_id):
    """Check in now: the server's clock decides the day (409 with ``next_window_opens_at`` outside
    every window). JSON ``{note?, value?}``, or a multipart form that adds ``photo``. The answer
    carries the check-in's ``rank_of_day`` and the member's ``streak``."""
    token_hash = bearer_token_hash()
    if token_hash is None:
        raise Unauthorized("This needs a valid API token: send 'Authorization: Bearer <token>'.")
    with_photo = request.mimetype == "multipart/form-data"
    recorded = commit(
        checkins.check_in_with_token,
        token_hash=token_hash,
        enrollment_id=enrollment_id,
        evidence=read_photo_form if with_photo else _json_evidence_or_its_refusal(),
        photo_store=photo_store() if with_photo else None,
    )
    CHECKINS.labels(source="api").inc()
    # Built here rather than dumped through CheckInSchema (a tenth of a tap's CPU in marshmallow);
    # the schema still documents it, and a test holds the two to the same body.
    return current_app.response_class(json.dumps(created_view(recorded)), 201, mimetype="application/json")


def created_view(recorded: checkins.RecordedCheckIn) -> dict:
    """The body of a new check-in: CheckInCreatedSchema's fields, instants as RFC 3339 UTC with ``Z``."""
    return {
        "id": recorded.id,
        "enrollment_id": recorded.enrollment_id,
        "challenge_id": recorded.challenge_id,
        "day_index": recorded.day_index,
        "checked_in_at": rfc3339_utc(recorded.checked_in_at),
        "note": recorded.note,
        "value": recorded.value,
        "has_photo": recorded.has_photo,
        "counts_for_money": recorded.counts_for_money,
        "voided_at": None,
        "void_reason": None,
        "rank_of_day": recorded.rank_of_day,
        "streak": recorded.streak,
    }


@checkins_bp.route("/enrollments/<id:enrollment_id>/checkins", methods=["GET"])
@auth_required
@checkins_bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@checkins_bp.response(200, CheckInPageSchema)
@problems(404)
def list_checkins(enrollment_id, page, per_page):
    """The member's own check-ins on this enrollment, by day."""
    enrollment = enrollments.own_enrollment(db.session, enrollment_id, current_member())
    items, total = checkins.own_check_ins(db.session, enrollment, page=page, per_page=per_page)
    return {"items": [view_of(c) for c in items], "total": total, "page": page, "per_page": per_page}


@checkins_bp.route("/checkins/<id:checkin_id>/photo", methods=["GET"])
@auth_required
@checkins_bp.doc(
    responses={
        "200": {
            "description": "The photo, with the type recognised when it was stored",
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in photos.TYPES},
        }
    }
)
@problems(404)
def get_photo(checkin_id):
    """A check-in's photo, for the feed's readers; when marked private, its member and the organizers."""
    checkin = checkins.photo_check_in(db.session, checkin_id, current_member())
    try:
        data = stored_photo(checkin.photo_path, checkin.photo_content_type)
    except NoPhoto:
        abort(404, message="This check-in has no photo.")
    except PhotoMissing:
        abort(404, message="This check-in's photo is missing.")
    return send_photo(data, checkin.photo_content_type, inline=True)


@checkins_bp.route("/checkins/<id:checkin_id>/card.png", methods=["GET"])
@auth_required
@checkins_bp.doc(
    responses={
        "200": {
            "description": "The share card: 1080 x 1350 PNG, with an ETag (304 for If-None-Match)",
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
        },
        "304": {"description": "The caller already has this very card"},
    }
)
@problems(404, 503)
def get_card(checkin_id):
    """A check-in's share card, in your language: the member's name, the community, the time (or
    the number), the streak and the day. For whoever reads the challenge's feed (404 otherwise);
    never the photo."""
    member = current_member()
    facts = card_facts.card_facts(db.session, checkin_id, member)
    return card_response(facts, member.locale or "en")


@checkins_bp.route("/checkins/<id:checkin_id>/void", methods=["POST"])
@auth_required
@checkins_bp.arguments(VoidSchema)
@checkins_bp.response(200, CheckInSchema)
@problems(403, 404, 409)
def void_checkin(data, checkin_id):
    """Void a check-in (organizers), with a reason, until its day is due: it counts as a miss."""
    checkin = checkins.get_check_in(db.session, checkin_id)
    return view_of(commit(checkins.void_check_in, checkin, current_member(), reason=data["reason"]))
