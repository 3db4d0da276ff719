"""The feed: a challenge's check-ins by cursor, cheers, comments with mentions, reports, flags,
a photo marked private, blocks and the mention picker (API.md, "Presence and progress").

Who sees what (SPEC): the challenge's participants and the community's organizers read all of
it (404 for everyone else); a private photo's URL is given only to its owner and the organizers.
Rules: ``habits.services.feed``.
"""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint

from habits.api.checkins import view_of as checkin_view
from habits.api.docs import problems
from habits.api.edge import commit, read
from habits.api.schemas.common import PageArgsSchema
from habits.api.schemas.enrollments import CheckInSchema
from habits.api.schemas.feed import (
    CheerStateSchema,
    CommentCreateSchema,
    CommentPageSchema,
    CommentSchema,
    FeedArgsSchema,
    FeedPageSchema,
    FeedReasonSchema,
    FlagSchema,
    ParticipantArgsSchema,
    ParticipantPageSchema,
    PhotoPrivacySchema,
    ReportSchema,
)
from habits.api.security import auth_required, current_member
from habits.services import feed

feed_bp = Blueprint("feed", __name__, url_prefix="/api/v1", description="The feed")


def item_view(item: feed.FeedItem, value_label: str | None) -> dict:
    checkin = item.checkin
    return {
        **checkin_view(checkin),
        "member": {"id": item.member_id, "display_name": item.member_name},
        "value_label": value_label,
        "photo_private": checkin.photo_private,
        "photo_url": url_for("checkins.get_photo", checkin_id=checkin.id) if item.photo_visible else None,
        "voided": checkin.voided_at is not None,
        "cheers": item.cheers,
        "comments": item.comments,
        "cheered_by_me": item.cheered_by_me,
    }


def comment_view(line: feed.CommentLine) -> dict:
    return {
        "id": line.id,
        "check_in_id": line.check_in_id,
        "author": {"id": line.author_id, "display_name": line.author_name},
        "body": line.body,
        "mentions": [{"id": member_id, "display_name": name} for member_id, name in line.mentions],
        "created_at": line.created_at,
    }


def cheer_view(state: feed.CheerState) -> dict:
    return {"check_in_id": state.check_in_id, "cheers": state.cheers, "cheered_by_me": state.cheered_by_me}


@feed_bp.route("/challenges/<id:challenge_id>/checkins", methods=["GET"])
@auth_required
@feed_bp.arguments(FeedArgsSchema, location="query", as_kwargs=True)
@feed_bp.response(200, FeedPageSchema)
@problems(400, 404, 422)
def challenge_feed(challenge_id, per_page, cursor=None, squad=None):
    """Who showed up: the challenge's check-ins, newest first, by keyset cursor (pass the page's
    ``next_cursor`` for the next; no gaps or repeats while check-ins arrive), with cheers and
    comments counts and whether you cheered (its participants and the organizers); ``squad``: only
    that squad's members."""
    page = read(feed.feed_page, challenge_id, current_member(), cursor=cursor, per_page=per_page, squad=squad)
    label = page.challenge.value_label
    return {"items": [item_view(item, label) for item in page.items], "next_cursor": page.next_cursor}


@feed_bp.route("/challenges/<id:challenge_id>/participants", methods=["GET"])
@auth_required
@feed_bp.arguments(ParticipantArgsSchema, location="query", as_kwargs=True)
@feed_bp.response(200, ParticipantPageSchema)
@problems(400, 404)
def list_participants(challenge_id, q, page, per_page):
    """The challenge's participants whose name contains ``q``, by name: whom a comment may mention."""
    rows, total = read(feed.participants, challenge_id, current_member(), q=q, page=page, per_page=per_page)
    items = [{"id": member_id, "display_name": name} for member_id, name in rows]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


@feed_bp.route("/checkins/<id:checkin_id>", methods=["PATCH"])
@auth_required
@feed_bp.arguments(PhotoPrivacySchema)
@feed_bp.response(200, CheckInSchema)
@problems(403, 422)
def update_checkin(data, checkin_id):
    """The check-in's member marks its photo private (only they and the organizers see it) or not."""
    checkin = commit(feed.set_photo_private, checkin_id, current_member(), private=data["photo_private"])
    return checkin_view(checkin)


@feed_bp.route("/checkins/<id:checkin_id>/cheers", methods=["POST"])
@auth_required
@feed_bp.response(200, CheerStateSchema)
@problems(404)
def cheer(checkin_id):
    """Cheer a check-in (idempotent: one cheer per member and check-in)."""
    return cheer_view(commit(feed.cheer, checkin_id, current_member()))


@feed_bp.route("/checkins/<id:checkin_id>/cheers", methods=["DELETE"])
@auth_required
@feed_bp.response(200, CheerStateSchema)
@problems(404)
def uncheer(checkin_id):
    """Take your cheer back (idempotent)."""
    return cheer_view(commit(feed.uncheer, checkin_id, current_member()))


@feed_bp.route("/checkins/<id:checkin_id>/flags", methods=["POST"])
@auth_required
@feed_bp.arguments(FeedReasonSchema)
@feed_bp.response(201, FlagSchema)
@problems(403, 409, 422)
def flag_checkin(data, checkin_id):
    """Flag another participant's check-in as doubtful, once, with an optional reason: it reaches
    the organizers' review list and moves no money by itself. 403 on your own, or for organizers
    who do not take part; 409 ``already_flagged``."""
    flag = commit(feed.flag, checkin_id, current_member(), reason=data.get("reason"))
    return {
        "id": flag.id,
        "check_in_id": flag.check_in_id,
        "reason": flag.reason,
        "created_at": flag.created_at,
    }


@feed_bp.route("/checkins/<id:checkin_id>/comments", methods=["GET"])
@auth_required
@feed_bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@feed_bp.response(200, CommentPageSchema)
@problems(404)
def list_comments(checkin_id, page, per_page):
    """A check-in's comments, oldest first."""
    lines, total = read(feed.comments_of, checkin_id, current_member(), page=page, per_page=per_page)
    return {
        "items": [comment_view(line) for line in lines],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


@feed_bp.route("/checkins/<id:checkin_id>/comments", methods=["POST"])
@auth_required
@feed_bp.arguments(CommentCreateSchema)
@feed_bp.response(201, CommentSchema)
@problems(403, 422)
def add_comment(data, checkin_id):
    """Comment on a check-in: plain text, with ``mentions`` as member ids of the challenge's
    participants. 403 ``comment_blocked`` / ``mention_blocked`` when the check-in's member, or
    one mentioned, blocks you."""
    line = commit(
        feed.add_comment, checkin_id, current_member(), body=data["body"], mentions=data["mentions"]
    )
    return comment_view(line)


@feed_bp.route("/comments/<id:comment_id>", methods=["DELETE"])
@auth_required
@feed_bp.response(204)
@problems(403)
def delete_comment(comment_id):
    """Delete a comment: its author or an organizer."""
    commit(feed.delete_comment, comment_id, current_member())


@feed_bp.route("/comments/<id:comment_id>/reports", methods=["POST"])
@auth_required
@feed_bp.arguments(FeedReasonSchema)
@feed_bp.response(201, ReportSchema)
@problems(422)
def report_comment(data, comment_id):
    """Report a comment to the organizers (anyone who reads it; a second report changes nothing)."""
    report = commit(feed.report_comment, comment_id, current_member(), reason=data.get("reason"))
    return {
        "id": report.id,
        "comment_id": report.comment_id,
        "reason": report.reason,
        "created_at": report.created_at,
    }


@feed_bp.route("/me/blocks/<id:member_id>", methods=["PUT"])
@auth_required
@feed_bp.response(204)
@problems(409)
def block_member(member_id):
    """Block a member from commenting on your check-ins and mentioning you (idempotent)."""
    commit(feed.block, current_member(), member_id)


@feed_bp.route("/me/blocks/<id:member_id>", methods=["DELETE"])
@auth_required
@feed_bp.response(204)
def unblock_member(member_id):
    """Take a block back (idempotent)."""
    commit(feed.unblock, current_member(), member_id)
