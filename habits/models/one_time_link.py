"""Links sent by e-mail that work once: a password reset, the confirmation of an address, the
move to a new address.

Only the token's SHA-256 is stored (as for API tokens): a copy of the table opens nothing.
A link names the member's address when it was sent, so it dies when that address changes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habits.models.community import enum_column
from habits.models.member import ID
from ledger.base import Base, UTCDateTime


class LinkPurpose(StrEnum):
    PASSWORD_RESET = "password_reset"
    VERIFY_EMAIL = "verify_email"
    #: mailed to ``new_email``; following it makes that the member's address
    CHANGE_EMAIL = "change_email"


class OneTimeLink(Base):
    __tablename__ = "one_time_links"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the member's address when the link was sent (where it was mailed, but for a change)
    email: Mapped[str] = mapped_column(String(254))
    #: a ``change_email`` link: the address it was mailed to and moves the member to
    new_email: Mapped[str | None] = mapped_column(String(254), nullable=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
