"""0007 creates the referee log and copies in the decisions already on record: voids, accepted
appeals and excused days, each with who, when and why."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import create_engine, insert, select

from habits.models import Challenge, CheckIn, Enrollment, ExcusedDay, Member, RefereeLogEntry
from tests.migration_tables import COMMUNITIES_BEFORE_0020
from tests.test_migrations import flask_db

NOW = datetime(2026, 3, 1, tzinfo=UTC)
VOIDED_AT = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)
APPEALED_AT = datetime(2026, 3, 2, 23, 5, tzinfo=UTC)
EXCUSED_AT = datetime(2026, 3, 3, 20, tzinfo=UTC)


def _rows_before_0007(conn) -> None:
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
            requires_code_word=False, code_word_secret="s", status="running", day_zero_opens_at=NOW,
            settled_days=0, created_by_id=1, created_at=NOW,
        )
    )  # fmt: skip
    conn.execute(
        insert(Enrollment.__table__).values(
            id=1, challenge_id=1, member_id=2, status="active", misses=0, deposit_minor=700,
            currency="CNY", rest_days_used=0, paid_from_wallet=False, joined_at=NOW,
        )
    )  # fmt: skip
    common = {"enrollment_id": 1, "challenge_id": 1, "counts_for_money": True}
    conn.execute(
        insert(CheckIn.__table__).values(
            id=1, day_index=0, checked_in_at=NOW, source="member", voided_at=VOIDED_AT, voided_by_id=1,
            void_reason="yesterday's photo", **common,
        )
    )  # fmt: skip
    conn.execute(
        insert(CheckIn.__table__).values(
            id=2, day_index=1, checked_in_at=APPEALED_AT, source="appeal", recorded_by_id=1,
            appeal_reason="forgot to tap", **common,
        )
    )  # fmt: skip
    conn.execute(
        insert(CheckIn.__table__).values(id=3, day_index=2, checked_in_at=NOW, source="member", **common)
    )
    conn.execute(
        insert(ExcusedDay.__table__).values(
            id=1, challenge_id=1, day_index=3, reason="typhoon", excused_by_id=None, created_at=EXCUSED_AT
        )
    )


def test_0007_copies_the_decisions_already_on_record(app, empty_database_url):
    flask_db(empty_database_url, "upgrade", "0005")
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            _rows_before_0007(conn)
        flask_db(empty_database_url, "upgrade")
        log = RefereeLogEntry.__table__
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    log.c.kind, log.c.day_index, log.c.enrollment_id, log.c.check_in_id, log.c.referee_id,
                    log.c.reason, log.c.acted_at,
                ).order_by(log.c.acted_at)
            ).all()  # fmt: skip
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("void", 0, 1, 1, 1, "yesterday's photo", VOIDED_AT),
        ("appeal", 1, 1, 2, 1, "forgot to tap", APPEALED_AT),
        ("excuse", 3, None, None, None, "typhoon", EXCUSED_AT),
    ]
