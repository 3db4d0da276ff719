"""The terms of service the operator publishes, and which member accepted which version when.

Each publication is a new version (1, 2, 3 ...); earlier ones are kept, so what a member accepted
can always be read again. Changed terms are accepted again: sign-up and every deposit ask for
the newest version (``habits.services.terms``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.base import Base, UTCDateTime


class TermsVersion(Base):
    __tablename__ = "terms_versions"

    #: 1, 2, 3 ...: the number members accept (the next one is the newest + 1)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: Markdown, as the operator wrote it
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the site administrator who published it (None: from the command line)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)


class TermsAcceptance(Base):
    """A member accepted one version, at one instant (once per member and version)."""

    __tablename__ = "terms_acceptances"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    version: Mapped[int] = mapped_column(ForeignKey("terms_versions.version"), primary_key=True)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
