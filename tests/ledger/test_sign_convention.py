"""The sign convention has one home (ledger.kinds); its SQL forms agree with it for every kind."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select, text

from ledger.kinds import AccountKind, normal_sign, normal_sign_sql, normal_sign_sql_text


@pytest.mark.parametrize("kind", list(AccountKind))
def test_sql_forms_of_the_sign_agree_with_python(session, kind):
    expected = {AccountKind.ASSET: 1, AccountKind.EXPENSE: 1}.get(kind, -1)
    assert normal_sign(kind) == expected
    assert session.scalar(select(normal_sign_sql(literal(kind.value)))) == expected
    as_text = normal_sign_sql_text(":kind")
    assert session.scalar(text(f"SELECT {as_text}"), {"kind": kind.value}) == expected
