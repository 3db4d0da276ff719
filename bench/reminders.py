"""Benchmark: the reminders of one minute for N members whose windows close in that same minute.

    .venv/bin/python bench/reminders.py --members 100000 --rounds 5

PostgreSQL only (``--server``, default ``postgresql+psycopg://postgres@127.0.0.1:5432``). It builds a
template database once: one running challenge (Asia/Shanghai, window 05:00-07:00), N members who
asked to be reminded 30 minutes before the close, each with an active enrollment and one Web Push
device, 5 % of them already checked in. Then, for each round, a fresh copy (``CREATE DATABASE ...
TEMPLATE``) and, at 06:30 local on day 0:

- ``select``: the one set-based query that picks who to remind (``reminders_due``), every row
  built (its params' JSON too) and counted;
- ``remind``: the job's whole work, ``remind_due`` (that query, the notifications inserted with
  their unique claims, the pushes queued for each device), then COMMIT.

Sending is not part of it: the push relay sends what is queued, later. Medians (and the best) are
printed; docs/benchmarks.md keeps the figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Text, cast, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import habits.models  # noqa: E402, F401  (every table on the metadata)
from habits.domain.calendar import local_instant  # noqa: E402
from habits.extensions import db  # noqa: E402
from habits.models import Challenge, ChallengeStatus, Community, Member, Notification, PushDelivery, Theme  # noqa: E402
from habits.services.notifications.reminders import remind_due, reminders_due  # noqa: E402

TZ = "Asia/Shanghai"
START = date(2026, 3, 2)
CREATED = datetime(2026, 2, 1, tzinfo=UTC)
#: 06:30 on day 0: 30 minutes before every window closes
AT = local_instant(TZ, START, 6 * 60 + 30)


def engine_for(server: str, database: str):
    return create_engine(make_url(server).set(database=database))


def admin(server: str, *statements: str) -> None:
    engine = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def build_template(server: str, name: str, n: int) -> None:
    admin(server, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    engine = engine_for(server, name)
    db.metadata.create_all(engine)
    started = time.perf_counter()
    with Session(engine) as session:
        organizer = Member(
            email="organizer@bench.test", password_hash="x", display_name="Organizer", timezone="UTC",
            locale="en", created_at=CREATED,
        )  # fmt: skip
        session.add(organizer)
        session.flush()
        community = Community(
            name="Bench", theme=Theme.EARLY_RISE, organizer_id=organizer.id, created_at=CREATED
        )
        session.add(community)
        session.flush()
        challenge = Challenge(
            community_id=community.id, title="Rise at six", timezone=TZ, start_date=START, days=7,
            open_minute=300, close_minute=420, deposit_minor=7000, currency="CNY", max_misses=2,
            min_participants=1, fee_bps=0, review_minutes=10, code_word_secret="x" * 32,
            created_by_id=organizer.id, created_at=CREATED, day_zero_opens_at=CREATED,
            status=ChallengeStatus.RUNNING, rest_days=0, outage_minutes=10,
        )  # fmt: skip
        session.add(challenge)  # its windows are written by the model's listener
        session.flush()
        params = {"n": n, "ch": challenge.id, "now": CREATED}
        for statement in (
            "INSERT INTO members (email, password_hash, display_name, timezone, locale, created_at,"
            " reminder_minutes_before_close)"
            " SELECT 'm' || g || '@bench.test', 'x', 'Member ' || g,"
            " (ARRAY['Asia/Shanghai', 'Europe/Berlin', 'America/Los_Angeles'])[1 + g % 3], 'en', :now, 30"
            " FROM generate_series(1, :n) g",
            "INSERT INTO enrollments (challenge_id, member_id, status, misses, deposit_minor, currency,"
            " rest_days_used, paid_from_wallet, joined_at, activated_at)"
            " SELECT :ch, m.id, 'active', 0, 7000, 'CNY', 0, false, :now, :now FROM members m"
            " WHERE m.email LIKE 'm%@bench.test'",
            "INSERT INTO push_subscriptions (member_id, endpoint, p256dh, auth, created_at)"
            " SELECT m.id, 'https://fcm.googleapis.com/fcm/send/bench-' || m.id, repeat('B', 87),"
            " repeat('A', 22), :now FROM members m WHERE m.email LIKE 'm%@bench.test'",
            "INSERT INTO check_ins (enrollment_id, challenge_id, day_index, checked_in_at, source,"
            " counts_for_money) SELECT e.id, :ch, 0, :now, 'member', true FROM enrollments e"
            " WHERE e.challenge_id = :ch AND e.id % 20 = 0",
        ):
            session.execute(text(statement), params)
        session.commit()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"  template {name}: {n:,} members loaded in {time.perf_counter() - started:.1f} s", flush=True)


def one_round(server: str, database: str) -> dict:
    engine = engine_for(server, database)
    try:
        with Session(engine) as session:
            session.execute(text("SELECT 1"))  # connect outside the clock
            started = time.perf_counter()
            due = reminders_due(session, now=AT).subquery()
            # the params summed over, so the database builds every row's JSON as the insert does
            picked, _size = session.execute(
                select(func.count(), func.sum(func.length(cast(due.c.params, Text))))
            ).one()
            selected = time.perf_counter() - started
            session.rollback()
            started = time.perf_counter()
            remind_due(session, now=AT)
            session.commit()
            reminded = time.perf_counter() - started
            notes = session.scalar(select(func.count()).select_from(Notification))
            queued = session.scalar(select(func.count()).select_from(PushDelivery))
    finally:
        engine.dispose()
    return {
        "select": selected,
        "remind": reminded,
        "picked": picked,
        "notifications": notes,
        "queued": queued,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the template afterwards")
    args = parser.parse_args()
    template, copy = f"bench_remind_{args.members}", f"bench_remind_{args.members}_run"
    print(
        f"reminders, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {args.members:,} members,"
        " every window closing at 07:00"
    )
    build_template(args.server, template, args.members)
    runs = []
    try:
        for index in range(args.rounds):
            admin(
                args.server,
                f'DROP DATABASE IF EXISTS "{copy}"',
                f'CREATE DATABASE "{copy}" TEMPLATE "{template}"',
            )
            run = one_round(args.server, copy)
            runs.append(run)
            print(
                f"  round {index + 1}: select {run['select']:.3f} s ({run['picked']:,} to remind), "
                f"remind_due {run['remind']:.3f} s ({run['notifications']:,} notifications, "
                f"{run['queued']:,} pushes queued)",
                flush=True,
            )
    finally:
        admin(args.server, f'DROP DATABASE IF EXISTS "{copy}"')
        if not args.keep:
            admin(args.server, f'DROP DATABASE IF EXISTS "{template}"')
    for name in ("select", "remind"):
        times = [run[name] for run in runs]
        print(
            f"{name}: median {statistics.median(times):.3f} s, best {min(times):.3f} s"
            f" over {len(times)} rounds"
        )


if __name__ == "__main__":
    main()
