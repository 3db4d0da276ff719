"""0011 turns "one enrollment per member and challenge, ever" into "one live enrollment": the rows
and everything that references them survive (SQLite rebuilds the table under its foreign keys),
a member who left may hold a second enrollment, never two live ones, and the index's statuses
are the domain's."""

from __future__ import annotations

import importlib.util
import os
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.exc import IntegrityError

from habits.domain.lifecycle import LIVE
from habits.models import Challenge, CheckIn, Enrollment, Member
from tests.migration_tables import COMMUNITIES_BEFORE_0020
from tests.test_migrations import MIGRATIONS, flask_db

NOW = datetime(2026, 3, 1, tzinfo=UTC)
INDEX = "uq_enrollments_live_challenge_member"


def _revision():
    path = os.path.join(MIGRATIONS, "versions", "0011_rejoin_after_leaving_before_the_start.py")
    spec = importlib.util.spec_from_file_location("rev0011", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _enrollment(conn, enrollment_id: int, status: str) -> None:
    conn.execute(
        insert(Enrollment.__table__).values(
            id=enrollment_id, challenge_id=1, member_id=2, status=status, misses=0, deposit_minor=700,
            currency="CNY", rest_days_used=0, paid_from_wallet=False, joined_at=NOW,
        )
    )  # fmt: skip


def _rows_before_0011(conn) -> None:
    for member_id in (1, 2):
        conn.execute(
            insert(Member.__table__).values(
                id=member_id, email=f"m{member_id}@x.test", password_hash="x", display_name=f"M{member_id}",
                timezone="UTC", locale="en", created_at=NOW,
            )
        )  # fmt: skip
    conn.execute(
        insert(COMMUNITIES_BEFORE_0020).values(
            id=1, name="Dawn", theme="early-rise", description="", rules_text="", join_questions=[],
            requires_approval=False, organizer_id=1, created_at=NOW,
        )
    )  # fmt: skip
    conn.execute(
        insert(Challenge.__table__).values(
            id=1, community_id=1, title="Rise", description="", timezone="Asia/Shanghai",
            start_date=date(2026, 3, 2), days=7, open_minute=300, close_minute=420, deposit_minor=700,
            currency="CNY", max_misses=0, min_participants=1, fee_bps=0, split="equal",
            review_minutes=10, rest_days=0, outage_minutes=10, requires_photo=False,
            requires_code_word=False, code_word_secret="s", status="enrolling", day_zero_opens_at=NOW,
            settled_days=0, created_by_id=1, created_at=NOW,
        )
    )  # fmt: skip
    _enrollment(conn, 1, "withdrawn")
    conn.execute(
        insert(CheckIn.__table__).values(
            id=1, enrollment_id=1, challenge_id=1, day_index=0, checked_in_at=NOW, source="member",
            counts_for_money=False,
        )
    )  # fmt: skip


def test_the_frozen_statuses_of_0011_are_the_domains_live_group():
    assert set(_revision().LIVE_STATUSES) == {status.value for status in LIVE}


def test_0011_keeps_every_row_and_allows_one_live_enrollment_beside_those_that_ended(app, empty_database_url):
    flask_db(empty_database_url, "upgrade", "0009")
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            _rows_before_0011(conn)
        flask_db(empty_database_url, "upgrade")
        with engine.begin() as conn:
            _enrollment(conn, 2, "active")  # joined again after leaving
        with pytest.raises(IntegrityError), engine.begin() as conn:
            _enrollment(conn, 3, "pending_payment")  # a second live one
        with engine.begin() as conn:
            _enrollment(conn, 4, "cancelled")
            rows = conn.execute(select(Enrollment.id, Enrollment.status).order_by(Enrollment.id)).all()
            checkin = conn.execute(select(CheckIn.enrollment_id)).scalar_one()
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys = ON")
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                index_sql = conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": INDEX}
                ).scalar_one()
            else:
                index_sql = conn.execute(
                    text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": INDEX}
                ).scalar_one()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [(1, "withdrawn"), (2, "active"), (4, "cancelled")]
    assert checkin == 1
    assert "UNIQUE" in index_sql.upper()
    assert all(f"'{status.value}'" in index_sql for status in LIVE)


def test_0011_goes_back_down_while_nobody_joined_twice(app, empty_database_url):
    flask_db(empty_database_url, "upgrade", "0009")
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            _rows_before_0011(conn)
        flask_db(empty_database_url, "upgrade")
        flask_db(empty_database_url, "downgrade", "0009")
        with pytest.raises(IntegrityError), engine.begin() as conn:
            _enrollment(conn, 2, "active")  # the old rule: one enrollment, ever
        with engine.connect() as conn:
            assert conn.execute(select(CheckIn.enrollment_id)).scalar_one() == 1
    finally:
        engine.dispose()
