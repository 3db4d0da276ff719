"""What reaches the organizers' review list: flags on check-ins and reports of comments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from habits.models import CheckIn, CheckInFlag, Comment, CommentReport, Enrollment, Member


@dataclass(frozen=True)
class ReviewLine:
    kind: str  # "flag" or "report"
    at: datetime
    #: who flagged or reported
    by_name: str
    #: whose check-in was flagged, or who wrote the comment
    about_name: str
    day_index: int
    check_in_id: int
    reason: str | None
    comment_id: int | None = None
    comment_body: str | None = None


def review_lines(session: Session, challenge_id: int, *, limit: int = 50) -> list[ReviewLine]:
    """The newest flags and reports of the challenge, newest first (the caller is an organizer)."""
    by, about = aliased(Member), aliased(Member)
    flags = session.execute(
        select(CheckInFlag, by.display_name, about.display_name, CheckIn.day_index)
        .join(by, by.id == CheckInFlag.flagger_id)
        .join(CheckIn, CheckIn.id == CheckInFlag.check_in_id)
        .join(Enrollment, Enrollment.id == CheckIn.enrollment_id)
        .join(about, about.id == Enrollment.member_id)
        .where(CheckInFlag.challenge_id == challenge_id)
        .order_by(CheckInFlag.id.desc())
        .limit(limit)
    ).all()
    reports = session.execute(
        select(CommentReport, Comment, by.display_name, about.display_name, CheckIn.day_index)
        .join(Comment, Comment.id == CommentReport.comment_id)
        .join(by, by.id == CommentReport.reporter_id)
        .join(about, about.id == Comment.author_id)
        .join(CheckIn, CheckIn.id == Comment.check_in_id)
        .where(CommentReport.challenge_id == challenge_id)
        .order_by(CommentReport.id.desc())
        .limit(limit)
    ).all()
    lines = [
        ReviewLine("flag", row.created_at, by_name, about_name, day, row.check_in_id, row.reason)
        for row, by_name, about_name, day in flags
    ] + [
        ReviewLine(
            "report",
            report.created_at,
            by_name,
            about_name,
            day,
            comment.check_in_id,
            report.reason,
            comment.id,
            comment.body,
        )
        for report, comment, by_name, about_name, day in reports
    ]
    return sorted(lines, key=lambda line: line.at, reverse=True)[:limit]
