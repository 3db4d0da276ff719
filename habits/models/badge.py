"""Badges a member earned (habits.domain.levels: the kinds and when each is awarded).

"Once" is the database's: (member, kind, scope) is unique, and every award is an
``INSERT ... SELECT ... ON CONFLICT DO NOTHING``, so racing settlements (two challenges of one
member settled at once) still leave one row. ``scope`` says what the badge is for, as text so
the key never holds a NULL (NULLs are distinct in a unique key): ``""`` once ever, ``c{id}`` once
per challenge, ``c{id}:{k}`` once per challenge day (``badges.scope_of``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class BadgeAward(Base):
    __tablename__ = "badges"
    # the member's list reads through this key too (member_id first)
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "scope"),
        # a settled day's new badges, read back to tell their members
        Index("ix_badges_challenge_day", "challenge_id", "day_index"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    #: no foreign key, as for notifications: a settled day inserts up to one badge per member at
    #: once, and the key's check would lock each member row (docs/benchmarks.md, "Badges");
    #: members are never deleted while anything of theirs remains, and an erasure deletes these
    member_id: Mapped[int] = mapped_column(ID)
    #: a habits.domain.levels.Badge value
    kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(64))
    #: the challenge (and day) it was earned in: who may see it is decided by the challenge
    #: (no foreign key either: challenges are never deleted)
    challenge_id: Mapped[int] = mapped_column(ID)
    day_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime())
