"""Benchmark: one page of a challenge's feed (API), 100,000 participants, a million check-ins.

    .venv/bin/python -m bench.feed_page [--requests 200] [--deep-pages 500] [--keep]

PostgreSQL only. Builds its own database (``streakpot_bench_feed``, dropped at the end unless
``--keep``): one community, one challenge of 100,000 active enrollments (bench/checkin_data.py's
``populate``), ten days of check-ins for each (1,000,000, in time order, set-based SQL),
200,000 cheers and 50,000 comments spread over them (a third of each on the newest 30,000
check-ins, where readers are), and the reader's own cheers on the first page and on the deep one.
Then it serves the tree with gunicorn in production settings (bench/checkin_wakeup.py's
``environment`` and the tree's gunicorn.conf.py) and, with one warm keep-alive client
(``http.client``), times ``GET /api/v1/challenges/1/checkins`` as a participant:

- ``first``: the newest page;
- ``deep``: the page reached by following ``next_cursor`` --deep-pages times (10,000 items in);
- ``middle``: the page after a cursor built at the 500,000th check-in (half way into the history).

The three are timed in alternating rounds (first, deep, middle, first, ...), --requests each;
it prints median and p95 of each and EXPLAIN (ANALYZE, BUFFERS) of the page query (the SQL the
app sends, captured from SQLAlchemy) for the first and the middle page.

With ``--before-tree DIR`` (the starting commit, ``git archive <commit> | tar -x -C DIR``) a
second gunicorn serves that tree on the same database (port + 1), with its own warm client; each
request round times every page on both trees, which goes first alternating (docs/benchmarks.md,
"Method for before/after comparisons").
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.checkin_data import database_url, drop_database, populate, recreate_database  # noqa: E402
from bench.checkin_wakeup import REDIS_DB, environment  # noqa: E402

MEMBERS = 100_000
DAYS = 10
READER = 2  # a participant (member 1 organizes the community)
PATH = "/api/v1/challenges/1/checkins"


def psql_url(database: str) -> str:
    return database_url(database).replace("+psycopg", "")


def build(database: str, workdir: Path) -> str:
    """The data set; the reader's bearer token."""
    import psycopg
    from sqlalchemy import create_engine

    from habits.domain.calendar import Schedule
    from habits.models.window import store_windows

    recreate_database(database)
    populate(MEMBERS, 0, workdir, 1)
    token = next(
        line.split()[1]
        for line in (workdir / "tokens_round1.txt").read_text().splitlines()
        if line.split()[0] == str(READER)
    )
    with psycopg.connect(psql_url(database)) as conn:
        # the challenge started DAYS days ago, so its check-ins lie in the past
        conn.execute(
            "UPDATE challenges SET start_date = start_date - %(d)s, "
            "day_zero_opens_at = day_zero_opens_at - make_interval(days => %(d)s), settled_days = %(d)s",
            {"d": DAYS},
        )
        start = conn.execute("SELECT start_date FROM challenges WHERE id = 1").fetchone()[0]
        conn.execute(
            """
            INSERT INTO check_ins (id, enrollment_id, challenge_id, day_index, checked_in_at, note,
                                   photo_private, source, counts_for_money)
            SELECT row_number() OVER (ORDER BY at), enrollment_id, 1, day_index, at,
                   CASE WHEN enrollment_id %% 3 = 0 THEN 'up at dawn' END, false, 'member', true
            FROM (
                SELECT e AS enrollment_id, d AS day_index,
                       c.day_zero_opens_at
                         + make_interval(days => d, secs => 5 * 3600 + random() * 7200) AS at
                FROM challenges c, generate_series(1, %(m)s) e, generate_series(0, %(days)s - 1) d
            ) AS taps
            """,
            {"m": MEMBERS, "days": DAYS},
        )
        total = MEMBERS * DAYS
        # a third of the cheers and comments on the newest 30,000 check-ins, the rest anywhere
        conn.execute(
            """
            INSERT INTO cheers (check_in_id, member_id, created_at)
            SELECT DISTINCT ON (ci, mi) ci, mi, now() FROM (
                SELECT CASE WHEN g %% 3 = 0 THEN %(n)s - floor(random() * 30000)::bigint
                            ELSE 1 + floor(random() * %(n)s)::bigint END AS ci,
                       1 + floor(random() * %(m)s)::bigint AS mi
                FROM generate_series(1, 200000) g
            ) AS picks
            ON CONFLICT DO NOTHING
            """,
            {"n": total, "m": MEMBERS},
        )
        # the reader cheers every third check-in of the newest 30 and of the deep pages' region
        conn.execute(
            """
            INSERT INTO cheers (check_in_id, member_id, created_at)
            SELECT ci, %(r)s, now() FROM generate_series(%(n)s - 30, %(n)s) ci WHERE ci %% 3 = 0
            UNION ALL
            SELECT ci, %(r)s, now() FROM generate_series(%(n)s / 2 - 30, %(n)s / 2 + 30) ci WHERE ci %% 3 = 0
            ON CONFLICT DO NOTHING
            """,
            {"n": total, "r": READER},
        )
        conn.execute(
            """
            INSERT INTO comments (check_in_id, challenge_id, author_id, body, created_at)
            SELECT CASE WHEN g %% 3 = 0 THEN %(n)s - floor(random() * 30000)::bigint
                        ELSE 1 + floor(random() * %(n)s)::bigint END,
                   1, 1 + floor(random() * %(m)s)::bigint, 'well done', now()
            FROM generate_series(1, 50000) g
            """,
            {"n": total, "m": MEMBERS},
        )
        for table in ("check_ins", "cheers", "comments"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    engine = create_engine(database_url(database))
    with engine.begin() as conn:  # the windows of the moved schedule (populate's, DAYS days earlier)
        store_windows(conn, 1, Schedule("UTC", start, 30, 0, 1440))
    engine.dispose()
    with psycopg.connect(psql_url(database), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return token


def counts(database: str) -> dict:
    import psycopg

    with psycopg.connect(psql_url(database)) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("enrollments", "check_ins", "cheers", "comments")
        }


# -- serving and timing ---------------------------------------------------------------------------


def start_server(args, env: dict, tree: Path, port: int) -> subprocess.Popen:
    """gunicorn from ``tree`` with that tree's recommended configuration."""
    command = [
        sys.executable, "-m", "gunicorn", "--config", str(tree / "gunicorn.conf.py"),
        "--workers", str(args.workers), "--threads", str(args.threads),
        "--bind", f"127.0.0.1:{port}", "bench.checkin_wsgi:app",
    ]  # fmt: skip
    print(f"gunicorn ({tree}):", " ".join(command[2:]), flush=True)
    return subprocess.Popen(command, env=env, cwd=tree, start_new_session=True)


class Client:
    """One keep-alive HTTP/1.1 connection, as a warm phone holds."""

    def __init__(self, port: int, token: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(self, path: str) -> tuple[float, dict]:
        started = time.perf_counter()
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        body = response.read()
        seconds = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
        return seconds, json.loads(body)


def wait_for(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/bench/hello")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def page_path(cursor: str | None) -> str:
    return PATH if cursor is None else f"{PATH}?cursor={quote(cursor)}"


def middle_cursor(database: str) -> str:
    import psycopg

    from habits.services.feed.reading import encode_cursor

    with psycopg.connect(psql_url(database)) as conn:
        at, checkin_id = conn.execute(
            "SELECT checked_in_at, id FROM check_ins"
            " ORDER BY checked_in_at DESC, id DESC OFFSET 500000 LIMIT 1"
        ).fetchone()
    return encode_cursor(at, checkin_id)


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return (
        f"median {statistics.median(ordered) * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms   (n={len(ordered)})"
    )


# -- EXPLAIN of the query the app sends -----------------------------------------------------------


def explain(database: str, cursor: str | None) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the feed page's SQL, as the app compiles it."""
    from sqlalchemy import event, text

    from app import create_app
    from habits.extensions import db
    from habits.models import Member
    from habits.services.feed.reading import feed_page

    app = create_app()
    with app.app_context():
        captured: list[tuple[str, object]] = []

        def keep(conn, cursor_, statement, parameters, context, executemany):
            if "FROM check_ins" in statement and "ORDER BY" in statement:
                captured.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", keep)
        viewer = db.session.get(Member, READER)
        feed_page(db.session, 1, viewer, cursor=cursor, per_page=20)
        event.remove(db.engine, "before_cursor_execute", keep)
        statement, parameters = captured[-1]
        raw = db.session.connection().connection.dbapi_connection
        with raw.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = "\n".join(row[0] for row in cur.fetchall())
        db.session.rollback()
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()
    return plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="streakpot_bench_feed")
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each page")
    parser.add_argument("--deep-pages", type=int, default=500, help="pages followed to the deep one")
    parser.add_argument("--port", type=int, default=8097)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--before-tree", type=Path, help="also serve this checkout (port + 1), alternating")
    parser.add_argument("--reuse", action="store_true", help="use the database a --keep run left")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    env = environment(types.SimpleNamespace(threads=args.threads), args.database)
    os.environ.update(env)
    os.chdir(ROOT)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    workdir = Path(tempfile.mkdtemp(prefix="streakpot-feedbench-"))
    started = time.monotonic()
    token_file = Path(tempfile.gettempdir()) / f"{args.database}.token"
    if args.reuse:
        token = token_file.read_text().strip()
    else:
        token = build(args.database, workdir)
        token_file.write_text(token)
    print(f"data: {counts(args.database)} ({time.monotonic() - started:.0f} s)", flush=True)
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], check=True, capture_output=True)
    trees = {"this" if args.before_tree is None else "after": ROOT}
    if args.before_tree is not None:
        trees["before"] = args.before_tree.resolve()
    processes = {
        label: start_server(args, env, tree, args.port + number)
        for number, (label, tree) in enumerate(trees.items())
    }
    try:
        for number, process in enumerate(processes.values()):
            wait_for(args.port + number, process)
        clients = {label: Client(args.port + number, token) for number, label in enumerate(processes)}
        cursor = None
        for _ in range(args.deep_pages):  # walking there also warms the clients, servers and pools
            # every client each page: an idle keep-alive connection would be closed by the server
            for client in clients.values():
                _, page = client.get(page_path(cursor))
            cursor = page["next_cursor"]
        pages = {
            "first": page_path(None),
            "deep": page_path(cursor),
            "middle": page_path(middle_cursor(args.database)),
        }
        for label, client in clients.items():
            for name, path in pages.items():
                _, page = client.get(path)
                cheered = sum(item["cheered_by_me"] for item in page["items"])
                items = page["items"]
                print(
                    f"  {label} {name}: {len(items)} items, newest {items[0]['checked_in_at']}, "
                    f"{sum(item['cheers'] for item in items)} cheers, "
                    f"{sum(item['comments'] for item in items)} comments, {cheered} cheered by me"
                )
        times: dict[tuple[str, str], list[float]] = {(label, name): [] for label in clients for name in pages}
        order = list(clients.items())
        for number in range(args.requests):
            # alternate which tree goes first, so a drift of the machine's speed favours neither
            for label, client in order if number % 2 == 0 else order[::-1]:
                for name, path in pages.items():
                    times[label, name].append(client.get(path)[0])
    finally:
        for process in processes.values():
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    print(f"\none warm keep-alive client per tree, {args.requests} requests of each page, alternating:")
    for label, name in times:
        print(f"  {label:>6} {name:>6} page: {summary(times[label, name])}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    # the plans are this tree's (its feed query)
    print("\nEXPLAIN (ANALYZE, BUFFERS), first page:\n" + explain(args.database, None))
    print(
        "\nEXPLAIN (ANALYZE, BUFFERS), middle page:\n" + explain(args.database, middle_cursor(args.database))
    )
    if not args.keep:
        drop_database(args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
