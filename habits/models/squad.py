"""Squads: groups inside a challenge (who a member sees, never the money), and their history.

A member (an enrollment) is in at most one squad of a challenge at a time: ``squad_members``
holds the current assignment, unique per (challenge, enrollment), so no regrouping can duplicate
a member; every change is a ``squad_changes`` row with one ``squad_moves`` row per member moved.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class Squad(Base):
    __tablename__ = "squads"
    __table_args__ = (UniqueConstraint("challenge_id", "number"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    #: 1, 2, 3... in the order the challenge's squads were made ("Squad 3")
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: when a regrouping left it empty (merged away); its history stays
    dissolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SquadMember(Base):
    """The current squad of one enrollment."""

    __tablename__ = "squad_members"
    __table_args__ = (
        UniqueConstraint("challenge_id", "enrollment_id"),
        Index("ix_squad_members_squad", "squad_id", "enrollment_id"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    #: no foreign key of its own: the squad's and the enrollment's name the challenge already, and
    #: each key is a trigger per row (100,000 rows at day 0); it is here for the unique pair
    challenge_id: Mapped[int] = mapped_column(ID)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"))
    squad_id: Mapped[int] = mapped_column(ForeignKey("squads.id"))


class SquadChange(Base):
    """One placement or regrouping: what was done, by whom (None: day 0's placement), when."""

    __tablename__ = "squad_changes"
    __table_args__ = (Index("ix_squad_changes_challenge", "challenge_id", "id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    #: placement, match, shuffle, activity, split or merge
    strategy: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    moved: Mapped[int] = mapped_column(Integer)
    squads_after: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SquadMove(Base):
    """One member's move in a change (from None: placed for the first time).

    Append-only, written by the change that also writes the assignment (whose keys hold the
    same ids): only the change is a foreign key, as each key is a trigger per row."""

    __tablename__ = "squad_moves"
    __table_args__ = (Index("ix_squad_moves_change", "change_id", "enrollment_id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("squad_changes.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int] = mapped_column(ID)
    from_squad_id: Mapped[int | None] = mapped_column(ID, nullable=True)
    to_squad_id: Mapped[int] = mapped_column(ID)
