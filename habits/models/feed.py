"""The feed's social rows: cheers, comments (with their mentions and reports), flags and blocks.

SPEC "Who sees what": a challenge's participants and the community's organizers read its feed,
cheers and comments; flags are for the organizers (and never move money by themselves). Each
"once per member" rule is a unique constraint, so racing requests still leave one row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class Cheer(Base):
    """One member's cheer of one check-in (undo deletes it)."""

    __tablename__ = "cheers"
    # the feed counts a check-in's cheers and asks "did I cheer?" through this one index
    __table_args__ = (UniqueConstraint("check_in_id", "member_id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_ins.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Comment(Base):
    """Plain text under a check-in; mentions are stored by member id (names are not unique)."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_check_in", "check_in_id", "id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_ins.id", ondelete="CASCADE"))
    #: denormalised from the check-in: who may read it is decided by the challenge
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CommentMention(Base):
    __tablename__ = "comment_mentions"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)


class CommentReport(Base):
    """A reader's report of a comment, for the organizers' review list (once per reader)."""

    __tablename__ = "comment_reports"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_id"),
        Index("ix_comment_reports_challenge", "challenge_id", "id"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CheckInFlag(Base):
    """A participant's doubt about another's check-in, once, for the organizers to review."""

    __tablename__ = "check_in_flags"
    __table_args__ = (
        UniqueConstraint("check_in_id", "flagger_id"),
        Index("ix_check_in_flags_challenge", "challenge_id", "id"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_ins.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    flagger_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberBlock(Base):
    """``blocker`` does not let ``blocked`` mention them or comment on their check-ins."""

    __tablename__ = "member_blocks"

    blocker_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
