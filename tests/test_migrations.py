"""`flask db upgrade` on an empty database gives exactly the models' schema."""

from __future__ import annotations

import ast
import glob
import importlib.util
import os
import subprocess
import sys
from datetime import UTC, date, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, insert, select

from habits.domain import invite_codes
from habits.domain.calendar import Schedule, day_window
from habits.extensions import db
from habits.models import Challenge, ChallengeWindow, Member
from tests.migration_tables import COMMUNITIES_BEFORE_0020


def flask_db(database_url: str, *args: str) -> None:
    env = dict(os.environ, STREAKPOT_SQLALCHEMY_DATABASE_URI=database_url, STREAKPOT_SCHEDULER_MODE="off")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_upgrade_from_empty_matches_the_models(app, empty_database_url, tmp_path):
    flask_db(empty_database_url, "upgrade")

    engine = create_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_challenges_created_before_the_windows_table_get_their_windows(app, empty_database_url):
    """0004 computes the windows of existing challenges with the domain's own rules."""
    flask_db(empty_database_url, "upgrade", "0003")
    engine = create_engine(empty_database_url)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(Member.__table__).values(
                    id=1,
                    email="o@x.test",
                    password_hash="x",
                    display_name="O",
                    timezone="UTC",
                    locale="en",
                    created_at=now,
                )
            )
            conn.execute(
                insert(COMMUNITIES_BEFORE_0020).values(
                    id=1,
                    name="Dawn",
                    theme="early-rise",
                    description="",
                    rules_text="",
                    join_questions=[],
                    requires_approval=False,
                    organizer_id=1,
                    created_at=now,
                )
            )
            conn.execute(
                insert(Challenge.__table__).values(
                    id=1,
                    community_id=1,
                    title="DST",
                    description="",
                    timezone="America/New_York",
                    start_date=date(2026, 3, 7),
                    days=3,
                    open_minute=330,
                    close_minute=480,
                    deposit_minor=300,
                    currency="USD",
                    max_misses=0,
                    min_participants=1,
                    fee_bps=0,
                    split="equal",
                    review_minutes=10,
                    rest_days=0,
                    outage_minutes=10,
                    requires_photo=False,
                    requires_code_word=False,
                    code_word_secret="s",
                    status="enrolling",
                    day_zero_opens_at=now,
                    settled_days=0,
                    created_by_id=1,
                    created_at=now,
                )
            )
        flask_db(empty_database_url, "upgrade")
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    ChallengeWindow.day_index, ChallengeWindow.opens_at, ChallengeWindow.closes_at
                ).order_by(ChallengeWindow.day_index)
            ).all()
    finally:
        engine.dispose()
    schedule = Schedule("America/New_York", date(2026, 3, 7), 3, 330, 480)
    # 2026-03-08 is the spring-forward day in New York: 05:30 local is 09:30 UTC, not 10:30
    assert [(k, o, c) for k, o, c in rows] == [(k, *day_window(schedule, k)) for k in range(3)]
    assert rows[1][1] == datetime(2026, 3, 8, 9, 30, tzinfo=UTC)


MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
APP_PACKAGES = ("habits", "ledger", "app")


def test_migrations_import_no_application_code():
    """A revision is frozen: it may not import code that can change after it was written."""
    offenders = []
    for path in sorted(glob.glob(os.path.join(MIGRATIONS, "**", "*.py"), recursive=True)) + [
        os.path.join(MIGRATIONS, "script.py.mako")
    ]:
        with open(path) as f:
            source = f.read()
        if path.endswith(".mako"):
            source = "\n".join(line for line in source.splitlines() if line.startswith(("import ", "from ")))
        for node in ast.walk(ast.parse(source)):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path}: {n}" for n in names if n.split(".")[0] in APP_PACKAGES]
    assert offenders == []


def test_the_frozen_window_rule_of_0004_is_the_domains():
    """0004 carries a copy of day_window as it stood; it must compute what the domain computes."""
    spec = importlib.util.spec_from_file_location(
        "rev0004", os.path.join(MIGRATIONS, "versions", "0004_challenge_windows.py")
    )
    rev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rev)
    cases = [
        ("America/New_York", date(2026, 3, 6), 4, 330, 480),  # spring forward
        ("Europe/London", date(2026, 10, 23), 4, 1380, 1440),  # fall back, a 24:00 close
        ("Australia/Lord_Howe", date(2026, 4, 3), 3, 90, 150),  # a 30-minute shift
        ("Asia/Shanghai", date(2026, 12, 1), 2, 0, 1440),
    ]
    for zone, start, days, open_minute, close_minute in cases:
        schedule = Schedule(zone, start, days, open_minute, close_minute)
        frozen = rev.window_rows(7, zone, start, days, open_minute, close_minute)
        assert [(r["opens_at"], r["closes_at"]) for r in frozen] == [
            day_window(schedule, k) for k in range(days)
        ], zone


def test_0006_replaces_every_chosen_invite_code_and_tells_the_organizers(app, empty_database_url):
    """A 4-character code an organizer chose becomes a generated one, with the notice set; an open
    community (no code, or an empty one) stays open."""
    flask_db(empty_database_url, "upgrade", "0005")
    engine = create_engine(empty_database_url)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    communities = COMMUNITIES_BEFORE_0020
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(Member.__table__).values(
                    id=1,
                    email="o@x.test",
                    password_hash="x",
                    display_name="O",
                    timezone="UTC",
                    locale="en",
                    created_at=now,
                )
            )
            for community_id, code in [(1, "OWL4"), (2, None), (3, ""), (4, "a-long-chosen-phrase")]:
                conn.execute(
                    insert(communities).values(
                        id=community_id,
                        name="C",
                        theme="reading",
                        description="",
                        rules_text="",
                        invite_code=code,
                        join_questions=[],
                        requires_approval=False,
                        organizer_id=1,
                        created_at=now,
                    )
                )
        flask_db(empty_database_url, "upgrade")
        with engine.connect() as conn:
            rows = {
                row.id: row
                for row in conn.execute(
                    select(communities.c.id, communities.c.invite_code, communities.c.invite_code_replaced_at)
                )
            }
    finally:
        engine.dispose()
    for replaced in (1, 4):
        code = rows[replaced].invite_code
        assert len(code) == invite_codes.LENGTH and set(code) <= set(invite_codes.ALPHABET)
        assert rows[replaced].invite_code_replaced_at is not None
    assert rows[1].invite_code != rows[4].invite_code
    assert (rows[2].invite_code, rows[2].invite_code_replaced_at) == (None, None)
    assert (rows[3].invite_code, rows[3].invite_code_replaced_at) == ("", None)
