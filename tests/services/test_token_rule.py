"""A token's usability is one rule with two forms (services/tokens.py): Python for the pages and
``authenticate``, SQL for the check-in tap that authenticates inside its own statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select

from habits.models import ApiToken
from habits.services.tokens import usable, usable_sql
from ledger.base import UTCDateTime
from tests.factories import make_member

NOW = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def test_the_python_and_sql_forms_of_a_usable_token_agree(session):
    member = make_member(session)
    cases = [
        (revoked_at, expires_at)
        for revoked_at in (None, NOW - timedelta(days=1), NOW, NOW + SECOND)
        for expires_at in (NOW - SECOND, NOW, NOW + SECOND, NOW + timedelta(days=30))
    ]
    rows = [
        ApiToken(member_id=member.id, token_hash=f"{i:064x}", name="t", created_at=NOW - timedelta(days=40),
                 revoked_at=revoked_at, expires_at=expires_at)
        for i, (revoked_at, expires_at) in enumerate(cases)
    ]  # fmt: skip
    session.add_all(rows)
    session.flush()
    table = ApiToken.__table__
    in_sql = set(
        session.scalars(
            select(table.c.id).where(
                table.c.member_id == member.id, usable_sql(table, bindparam("now", NOW, type_=UTCDateTime()))
            )
        )
    )
    in_python = {row.id for row in rows if usable(row.revoked_at, row.expires_at, now=NOW)}
    assert in_sql == in_python
    # and the rule is what it says: only the unrevoked ones that expire after now
    assert len(in_python) == 2
