"""The check-in benchmark's data: N members enrolled (active) in one open challenge, with tokens.

Run by bench/checkin_wakeup.py in a process of its own per tree measured, so each tree's own
models write its own database:

    python -m bench.checkin_data --tree DIR --database NAME --members N --rounds R --reserve K --workdir DIR
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from habits import vapid_keys

#: production mode needs Web Push's key; a fresh one per run (both trees get the same)
BENCH_VAPID_KEY = vapid_keys.new_private_key()
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def recreate_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backend_pids(name: str) -> list[int]:
    """The PostgreSQL server processes serving connections to database ``name``."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        return [pid for (pid,) in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name])]


def checkins_in_database(name: str) -> int:
    with psycopg.connect(database_url(name).replace("+psycopg", "")) as conn:
        return conn.execute("SELECT count(*) FROM check_ins").fetchone()[0]


def populate(members: int, reserve: int, workdir: Path, rounds: int) -> None:
    """Fill the app's database (STREAKPOT_SQLALCHEMY_DATABASE_URI); write the wrk token files of
    each round (so every round's check-ins are first check-ins) and the profile's token file."""
    # Imported here, after main() put the measured tree first on the import path.
    from sqlalchemy import insert, text
    from werkzeug.security import generate_password_hash

    from app import create_app
    from habits.domain.calendar import Schedule
    from habits.extensions import db
    from habits.models import (
        ApiToken,
        Challenge,
        Community,
        CommunityMembership,
        Enrollment,
        Member,
        Role,
        Theme,
    )
    from habits.models.window import store_windows

    now = datetime.now(UTC)
    total = members + reserve
    app = create_app()
    with app.app_context():
        db.create_all()
        password_hash = generate_password_hash("bench-password", method="pbkdf2:sha256:1000")
        tokens = [secrets.token_urlsafe(32) for _ in range(total)]
        hashes = [hashlib.sha256(token.encode()).hexdigest() for token in tokens]
        ids = range(1, total + 1)
        with db.engine.begin() as conn:
            conn.execute(
                insert(Member),
                [{"id": i, "email": f"m{i}@bench.test", "password_hash": password_hash,
                  "display_name": f"Member {i}", "timezone": "UTC", "locale": "en", "created_at": now}
                 for i in ids],
            )  # fmt: skip
            conn.execute(
                insert(Community),
                [{"id": 1, "name": "Dawn", "theme": Theme.EARLY_RISE, "organizer_id": 1, "created_at": now,
                  "description": "", "rules_text": "", "entry_form": [], "approval": False}],
            )  # fmt: skip
            conn.execute(
                insert(CommunityMembership),
                [{"community_id": 1, "member_id": i, "role": Role.ORGANIZER if i == 1 else Role.MEMBER,
                  "answers": {}, "joined_at": now} for i in ids],
            )  # fmt: skip
            # The window is the whole day (00:00-24:00 UTC), so it is open whenever the bench runs;
            # the window arithmetic on the hot path is the same for any window.
            start = (now - timedelta(days=1)).date()
            conn.execute(
                insert(Challenge),
                [{"id": 1, "community_id": 1, "title": "Bench", "description": "", "timezone": "UTC",
                  "start_date": start, "days": 30, "open_minute": 0, "close_minute": 1440,
                  "deposit_minor": 3000, "currency": "CNY", "max_misses": 3, "min_participants": 1,
                  "fee_bps": 0, "split": "equal", "review_minutes": 10, "rest_days": 0, "outage_minutes": 10,
                  "requires_photo": False, "requires_code_word": False, "code_word_secret": "b" * 64,
                  "status": "running", "day_zero_opens_at": datetime.combine(start, datetime.min.time(), UTC),
                  "settled_days": 0, "next_due_at": None, "created_by_id": 1, "created_at": now}],
            )  # fmt: skip
            # Core inserts skip the ORM's listeners: store the windows the check-in finds its day in
            store_windows(conn, 1, Schedule("UTC", start, 30, 0, 1440))
            conn.execute(
                insert(Enrollment),
                [{"id": i, "challenge_id": 1, "member_id": i, "status": "active", "misses": 0,
                  "deposit_minor": 3000, "currency": "CNY", "rest_days_used": 0, "paid_from_wallet": False,
                  "joined_at": now, "activated_at": now} for i in ids],
            )  # fmt: skip
            conn.execute(
                insert(ApiToken),
                [{"id": i, "member_id": i, "token_hash": hashes[i - 1], "name": "bench", "created_at": now,
                  "expires_at": now + timedelta(days=1)} for i in ids],
            )  # fmt: skip
            for table in ("members", "communities", "community_memberships", "challenges", "enrollments",
                          "api_tokens"):  # fmt: skip
                last = f"(SELECT max(id) FROM {table})"
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})"))
            conn.execute(text("ANALYZE"))
        db.engine.dispose()
    per_round = members // rounds
    for r in range(rounds):
        round_ids = range(r * per_round + 1, (r + 1) * per_round + 1)
        (workdir / f"tokens_round{r + 1}.txt").write_text(
            "".join(f"{i} {tokens[i - 1]}\n" for i in round_ids)
        )
    (workdir / "profile_tokens.txt").write_text(
        "".join(f"{i} {tokens[i - 1]}\n" for i in range(members + 1, total + 1))
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, required=True, help="the checkout whose app fills the database")
    parser.add_argument("--database", required=True)
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--reserve", type=int, default=0, help="more members, for the in-process profile")
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--workdir", type=Path, required=True, help="where the token files go")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.tree.resolve()))
    os.chdir(args.tree)
    os.environ["STREAKPOT_SQLALCHEMY_DATABASE_URI"] = database_url(args.database)
    recreate_database(args.database)
    populate(args.members, args.reserve, args.workdir, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
