"""Communities: a standing group around one habit theme, with roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class Theme(StrEnum):
    EARLY_RISE = "early-rise"
    RUNNING = "running"
    READING = "reading"
    CUSTOM = "custom"


class Role(StrEnum):
    ORGANIZER = "organizer"
    CO_ORGANIZER = "co-organizer"
    CORE_MEMBER = "core-member"
    MEMBER = "member"


#: roles that may launch challenges, void check-ins, excuse days and accept appeals
ORGANIZING_ROLES = frozenset({Role.ORGANIZER, Role.CO_ORGANIZER})


def enum_column(enum_cls, length: int = 32):
    """Store a StrEnum by its value, as a plain string column (no native DB enum to migrate)."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    theme: Mapped[Theme] = mapped_column(enum_column(Theme))
    description: Mapped[str] = mapped_column(Text, default="")
    rules_text: Mapped[str] = mapped_column(Text, default="")
    #: when set, the community is invitation only: joining needs this code or a member's personal
    #: invitation; None means open to anyone. Always generated (habits.domain.invite_codes)
    invite_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: when the code was replaced without the organizers asking (migration 0006 replaced every
    #: chosen code): their community page says so, with the new code, until one of them dismisses it
    invite_code_replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: joining waits for an organizer's approval
    approval: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: the entry quiz (habits.domain.entry), or None
    entry_quiz: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    #: the registration form's fields (habits.domain.entry); its answers become tags
    entry_form: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    #: how many people one member's personal invitation may bring in
    invite_quota: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    organizer_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: IANA zone whose local dates the health figures count (default: the organizer's zone)
    timezone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    #: the organizers are alerted when the active share stays below this (basis points: 500 is
    #: 5 %) for two consecutive dates; None: no alert
    health_alert_bps: Mapped[int | None] = mapped_column(Integer, nullable=True)

    @property
    def invite_only(self) -> bool:
        """Joining needs the community's code or a member's personal invitation."""
        return self.invite_code is not None


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # waiting for approval
    LEFT = "left"


class CommunityMembership(Base):
    __tablename__ = "community_memberships"
    __table_args__ = (UniqueConstraint("community_id", "member_id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.MEMBER)
    status: Mapped[MembershipStatus] = mapped_column(
        enum_column(MembershipStatus), default=MembershipStatus.ACTIVE
    )
    #: answers to the community's registration form, ``{key: value}``
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: when the membership ended (status ``left``); None while it lasts. Memberships that ended
    #: before migration 0022 have none and count as ended since always in the health figures
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class MemberTag(Base):
    """A member's tag in a community (``city:Berlin``), from their registration answers."""

    __tablename__ = "member_tags"
    __table_args__ = (Index("ix_member_tags_community_tag", "community_id", "tag"),)

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)


class Invitation(Base):
    """A member's personal invitation to a community: a generated code, used up to the quota."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("community_id", "member_id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InvitationUse(Base):
    """Each time a personal invitation brought someone in."""

    __tablename__ = "invitation_uses"
    __table_args__ = (UniqueConstraint("invitation_id", "member_id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QuizAttempt(Base):
    """A try at a community's (or a challenge's) entry quiz: failed ones count against the retries."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (Index("ix_quiz_attempts_who", "community_id", "member_id", "attempted_at"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), nullable=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    passed: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())
