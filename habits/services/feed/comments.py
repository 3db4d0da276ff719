"""Comments under a check-in: plain text, length-capped, with mentions picked from the challenge's
participants and stored by member id; deleted by their author or an organizer; reported by any
reader. A member may block another from commenting on their check-ins and mentioning them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habits.models import (
    Comment,
    CommentMention,
    CommentReport,
    Enrollment,
    Member,
    MemberBlock,
)
from habits.services import visibility
from habits.services.errors import FieldError, InvalidInput, NotFound
from habits.services.feed.reactions import owner_id
from habits.services.feed.refusals import BlockSelf, CommentBlocked, CommentNotYours, MentionBlocked
from habits.services.notifications import events

#: a comment's length, in characters
MAX_BODY = 1000
MAX_MENTIONS = 20


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


@dataclass(frozen=True)
class CommentLine:
    id: int
    check_in_id: int
    author_id: int
    author_name: str
    body: str
    created_at: datetime
    #: (member id, display name), as picked
    mentions: list[tuple[int, str]] = field(default_factory=list)


def _lines(session: Session, rows) -> list[CommentLine]:
    ids = [row.id for row in rows]
    mentioned: dict[int, list[tuple[int, str]]] = {}
    if ids:
        for comment_id, member_id, name in session.execute(
            select(CommentMention.comment_id, Member.id, Member.display_name)
            .join(Member, Member.id == CommentMention.member_id)
            .where(CommentMention.comment_id.in_(ids))
            .order_by(CommentMention.comment_id, Member.display_name, Member.id)
        ):
            mentioned.setdefault(comment_id, []).append((member_id, name))
    return [
        CommentLine(
            id=row.id,
            check_in_id=row.check_in_id,
            author_id=row.author_id,
            author_name=row.display_name,
            body=row.body,
            created_at=row.created_at,
            mentions=mentioned.get(row.id, []),
        )
        for row in rows
    ]


def _query():
    return select(
        Comment.id,
        Comment.check_in_id,
        Comment.author_id,
        Member.display_name,
        Comment.body,
        Comment.created_at,
    ).join(Member, Member.id == Comment.author_id)


def comments_of(
    session: Session,
    checkin_id: int,
    viewer: Member,
    *,
    page: int,
    per_page: int,
    now: datetime | None = None,
) -> tuple[list[CommentLine], int]:
    """A check-in's comments, oldest first, for the feed's readers."""
    checkin, _ = visibility.visible_feed_check_in(session, checkin_id, viewer)
    total = session.scalar(select(func.count()).where(Comment.check_in_id == checkin.id)) or 0
    rows = session.execute(
        _query()
        .where(Comment.check_in_id == checkin.id)
        .order_by(Comment.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return _lines(session, rows), total


def _blocked_by(session: Session, author_id: int, member_ids: list[int]) -> set[int]:
    """Those of ``member_ids`` who block ``author_id``."""
    if not member_ids:
        return set()
    return set(
        session.scalars(
            select(MemberBlock.blocker_id).where(
                MemberBlock.blocked_id == author_id, MemberBlock.blocker_id.in_(member_ids)
            )
        )
    )


def add_comment(
    session: Session, checkin_id: int, viewer: Member, *, body: str, mentions: list[int], now: datetime
) -> CommentLine:
    checkin, _ = visibility.visible_feed_check_in(session, checkin_id, viewer)
    text = body.strip()
    if not text or len(text) > MAX_BODY:
        raise InvalidInput(
            "Write a comment.",
            errors={
                "body": [FieldError("comment_length", f"Write 1 to {MAX_BODY} characters.", max=MAX_BODY)]
            },
        )
    picked = list(dict.fromkeys(mentions))
    if len(picked) > MAX_MENTIONS:
        raise InvalidInput(
            "Too many mentions.",
            errors={
                "mentions": [
                    FieldError("too_many_mentions", f"Mention {MAX_MENTIONS} at most.", max=MAX_MENTIONS)
                ]
            },
        )
    taking_part = (
        set(
            session.scalars(
                select(Enrollment.member_id).where(
                    Enrollment.challenge_id == checkin.challenge_id, Enrollment.member_id.in_(picked)
                )
            )
        )
        if picked
        else set()
    )
    strangers = [member_id for member_id in picked if member_id not in taking_part]
    if strangers:
        raise InvalidInput(
            "Mention only the challenge's participants.",
            errors={
                "mentions": [
                    FieldError("mention_not_participant", "Mention only the challenge's participants.")
                ]
            },
        )
    owner = owner_id(session, checkin)
    if owner != viewer.id and _blocked_by(session, viewer.id, [owner]):
        raise CommentBlocked("This member does not take your comments.")
    if _blocked_by(session, viewer.id, [m for m in picked if m != viewer.id]):
        raise MentionBlocked("A member you mentioned does not take your mentions: leave them out.")
    comment = Comment(
        check_in_id=checkin.id,
        challenge_id=checkin.challenge_id,
        author_id=viewer.id,
        body=text,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    session.add_all(CommentMention(comment_id=comment.id, member_id=member_id) for member_id in picked)
    events.commented(
        session, checkin, owner, comment_id=comment.id, body=text, author=viewer, mentioned=picked, now=now
    )
    session.flush()
    return _lines(session, session.execute(_query().where(Comment.id == comment.id)).all())[0]


def _visible_comment(session: Session, comment_id: int, viewer: Member) -> tuple[Comment, visibility.Sight]:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"There is no comment {comment_id}.")
    try:
        _, sight = visibility.visible_feed_check_in(session, comment.check_in_id, viewer)
    except NotFound:
        raise NotFound(f"There is no comment {comment_id}.") from None
    return comment, sight


def delete_comment(session: Session, comment_id: int, viewer: Member, *, now: datetime) -> None:
    """By its author or an organizer (403 for the other readers, 404 for everyone else)."""
    comment, sight = _visible_comment(session, comment_id, viewer)
    if comment.author_id != viewer.id and not sight.organizer:
        raise CommentNotYours("Only its author or an organizer deletes a comment.")
    session.delete(comment)
    session.flush()


def report_comment(
    session: Session, comment_id: int, viewer: Member, *, reason: str | None, now: datetime
) -> CommentReport:
    """Any reader reports a comment to the organizers (a second report by the same reader changes nothing)."""
    comment, _ = _visible_comment(session, comment_id, viewer)
    session.execute(
        _insert(session)(CommentReport)
        .values(
            comment_id=comment.id,
            challenge_id=comment.challenge_id,
            reporter_id=viewer.id,
            reason=reason or None,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["comment_id", "reporter_id"])
    )
    session.flush()
    return session.scalar(
        select(CommentReport).where(
            CommentReport.comment_id == comment.id, CommentReport.reporter_id == viewer.id
        )
    )


def block(session: Session, viewer: Member, member_id: int, *, now: datetime) -> None:
    """``viewer`` no longer takes comments on their check-ins nor mentions from ``member_id`` (idempotent)."""
    if member_id == viewer.id:
        raise BlockSelf("You cannot block yourself.")
    other = session.get(Member, member_id)
    if other is None or other.deleted_at is not None:
        raise NotFound(f"There is no member {member_id}.")
    session.execute(
        _insert(session)(MemberBlock)
        .values(blocker_id=viewer.id, blocked_id=member_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["blocker_id", "blocked_id"])
    )
    session.flush()


def unblock(session: Session, viewer: Member, member_id: int, *, now: datetime) -> None:
    session.execute(
        delete(MemberBlock).where(MemberBlock.blocker_id == viewer.id, MemberBlock.blocked_id == member_id)
    )
    session.flush()
