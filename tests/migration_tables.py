"""Tables as older revisions had them, for migration tests that write rows before upgrading
(the models describe the newest schema: a column they gained since would be written too)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Integer, MetaData, String, Table, Text

from ledger.base import UTCDateTime

ID = BigInteger().with_variant(Integer(), "sqlite")
_meta = MetaData()

#: communities from 0003 to 0016 (join_questions and requires_approval: 0020 replaced them)
COMMUNITIES_BEFORE_0020 = Table(
    "communities",
    _meta,
    Column("id", ID, primary_key=True),
    Column("name", String(120)),
    Column("theme", String(32)),
    Column("description", Text),
    Column("rules_text", Text),
    Column("invite_code", String(64)),
    Column("invite_code_replaced_at", UTCDateTime()),
    Column("join_questions", JSON),
    Column("requires_approval", Boolean),
    Column("organizer_id", ID),
    Column("created_at", UTCDateTime()),
)

#: memberships before 0020: answers were a list in the join questions' order
MEMBERSHIPS_BEFORE_0020 = Table(
    "community_memberships",
    _meta,
    Column("id", ID, primary_key=True),
    Column("community_id", ID),
    Column("member_id", ID),
    Column("role", String(32)),
    Column("status", String(32)),
    Column("answers", JSON),
    Column("joined_at", UTCDateTime()),
)
