"""Members, their API tokens and their signed-in web sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.base import Base, UTCDateTime

ID = BigInteger().with_variant(Integer, "sqlite")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    #: stored lower-cased; unique
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: when the member followed the link mailed to ``email`` (None: not yet). Only a verified
    #: address gets mail other than transactional (services.members.can_receive_non_transactional)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    #: IANA zone used to show dates to this member (challenges carry their own zone for rules)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: the language of the pages and mail: ``en`` or ``zh_Hans``
    locale: Mapped[str] = mapped_column(String(16), default="en")
    #: the region dates and numbers are written for (ISO 3166 alpha-2, ``services.regions``);
    #: None: the browser's (Accept-Language)
    region: Mapped[str | None] = mapped_column(String(2), nullable=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: a site administrator (``flask admin grant EMAIL``): decides payouts (SPEC, "Who sees what");
    #: the default is the database's alone, so inserts written for older revisions stay valid
    is_admin: Mapped[bool] = mapped_column(server_default=false())
    #: when the member deleted their account (None: not deleted). The row stays, anonymised, so
    #: the ledger's codes that name its id keep naming one row (services/account_deletion.py)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: remind the member this many minutes before a window closes on a day they have not
    #: checked in yet (None: no reminders; habits.services.notifications.reminders)
    reminder_minutes_before_close: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: a daily e-mail of the day's notifications (opt-in; habits.services.notifications.digest)
    email_digest: Mapped[bool] = mapped_column(server_default=false())

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="member", lazy="raise_on_sql")

    # Flask-Login's user protocol, written out so models need not import Flask.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    member: Mapped[Member] = relationship(back_populates="tokens", lazy="raise_on_sql")


class WebSession(Base):
    """A signed-in browser. The browser holds a random key (in the signed session cookie and, to
    stay signed in, the remember cookie); only its SHA-256 is stored. Deleting the row ends the
    session on the server, whatever copies of the cookies exist (services/web_sessions.py)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
