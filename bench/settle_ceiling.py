"""The settlement benchmark's data set, its hand-written ceiling, and the row-for-row comparison.

The ceiling is what a person would write by hand for this one case (a day with check-ins and
misses, no rest days, no excuses, no quits) on PostgreSQL: one temporary table of outcomes, the
ledger rows inserted straight from it, the enrollments updated from it, the day's row and the
challenge's counters. It writes exactly the rows the real settlement writes (``compare`` checks
it) and skips everything the real one adds: the ledger's idempotency and balance checks, the
generic outcome kinds, the ORM.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, literal, select, text, union_all, update
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.books import SettleStep
from habits.domain.calendar import day_window, due_at
from habits.domain.split import fee_for
from habits.domain.stakes import stake_for_day
from habits.models import Challenge, Community, Enrollment, Member, Theme

NOW = datetime(2026, 2, 1, tzinfo=UTC)
FEE_BPS = 500


def _tables():
    return {
        "accounts": ledger.Account.__table__.name,
        "transactions": ledger.LedgerTransaction.__table__.name,
        "postings": ledger.Posting.__table__.name,
    }


def load(
    session: Session, *, n: int, deposit: int, days: int, currency: str, tz: str, start, prefix: str = "m"
) -> int:
    """One challenge with n active enrollments, each deposit in the ledger, 70 % checked in on day 0.
    Its members' addresses are ``<prefix><number>@bench.test`` (another data set may use "m")."""
    organizer = Member(
        email="organizer@bench.test", password_hash="x", display_name="Organizer", timezone="UTC",
        locale="en", created_at=NOW,
    )  # fmt: skip
    session.add(organizer)
    session.flush()
    community = Community(name="Bench", theme=Theme.EARLY_RISE, organizer_id=organizer.id, created_at=NOW)
    session.add(community)
    session.flush()
    challenge = Challenge(
        community_id=community.id, title="Bench", timezone=tz, start_date=start, days=days, open_minute=300,
        close_minute=420, deposit_minor=deposit, currency=currency, max_misses=2, min_participants=1,
        fee_bps=FEE_BPS, review_minutes=10, code_word_secret="x" * 32, created_by_id=organizer.id,
        created_at=NOW, day_zero_opens_at=NOW, rest_days=0, outage_minutes=10,
    )  # fmt: skip
    schedule = challenge.schedule()
    challenge.day_zero_opens_at = day_window(schedule, 0)[0]
    challenge.next_due_at = due_at(schedule, 0, 10)
    session.add(challenge)
    session.flush()
    ch = challenge.id
    params = {"n": n, "ch": ch, "d": deposit, "ccy": currency, "now": NOW, "prefix": prefix}
    session.execute(
        text(
            "INSERT INTO members (email, password_hash, display_name, timezone, locale, created_at)"
            " SELECT :prefix || g || '@bench.test', 'x', 'Member ' || g, 'UTC', 'en', :now"
            " FROM generate_series(1, :n) g"
        ),
        params,
    )
    session.execute(
        text(
            "INSERT INTO enrollments (challenge_id, member_id, status, misses, deposit_minor, currency,"
            " rest_days_used, paid_from_wallet, joined_at, activated_at)"
            " SELECT :ch, m.id, 'active', 0, :d, :ccy, 0, false, :now, :now FROM members m"
            " WHERE m.email LIKE :prefix || '%@bench.test' ORDER BY m.id"
        ),
        params,
    )
    # Accounts through the ledger's bulk path, chunk by chunk (memory stays flat).
    ids = session.execute(
        text("SELECT id, member_id FROM enrollments WHERE challenge_id = :ch ORDER BY id"), params
    ).all()
    chunk = 5_000  # a 100,000-code IN list is planned badly on a fresh cluster (minutes, not seconds)
    for i in range(0, len(ids), chunk):
        specs = []
        for enrollment_id, member_id in ids[i : i + chunk]:
            specs.append(books.held_deposit(enrollment_id, currency))
            specs.append(books.wallet(member_id, currency))
        ledger.ensure_accounts(session, specs)
    del ids
    en, a = Enrollment.__table__, ledger.Account.__table__
    # UPDATE ... FROM on PostgreSQL: each enrollment joined to its account by code
    for column, code in (
        (en.c.held_account_id, books.held_code_sql(en.c.id)),
        (en.c.wallet_account_id, books.wallet_code_sql(en.c.member_id, currency)),
    ):
        session.execute(update(en).where(en.c.challenge_id == ch, a.c.code == code).values({column: a.c.id}))
    cash = books.open_account(session, books.processor_cash(currency))
    legs = union_all(
        select(
            en.c.held_account_id.label("account_id"), literal(-deposit, BigInteger).label("amount_minor")
        ).where(en.c.challenge_id == ch),
        select(literal(cash.id, BigInteger), literal(n * deposit, BigInteger)),
    ).subquery()
    ledger.post_from_select(
        session, key=f"bench:deposits:{ch}", currency=currency, memo="bench deposits",
        occurred_at=challenge.day_zero_opens_at - timedelta(days=1),
        legs=select(legs.c.account_id, legs.c.amount_minor),
    )  # fmt: skip
    opens_at = challenge.day_zero_opens_at
    session.execute(
        text(
            "INSERT INTO check_ins"
            " (enrollment_id, challenge_id, day_index, checked_in_at, source, counts_for_money)"
            " SELECT id, :ch, 0, CAST(:opens AS timestamptz) + (id % 7200) * interval '1 second',"
            " 'member', true FROM enrollments WHERE challenge_id = :ch AND id % 10 < 7"
        ),
        {**params, "opens": opens_at},
    )
    session.commit()
    return ch


def settle(session: Session, *, now: datetime) -> None:
    """Day 0 of the one running challenge, by hand, in plain PostgreSQL."""
    t = _tables()
    ch, days, deposit, currency, max_misses, fee_bps = session.execute(
        text(
            "SELECT id, days, deposit_minor, currency, max_misses, fee_bps FROM challenges"
            " WHERE status = 'running' AND next_due_at <= :now ORDER BY next_due_at LIMIT 1"
            " FOR UPDATE SKIP LOCKED"
        ),
        {"now": now},
    ).one()
    k = 0
    stake = stake_for_day(deposit, days, k)
    p = {"ch": ch, "k": k, "s": stake, "max": max_misses}
    session.execute(
        text(
            "CREATE TEMP TABLE o ON COMMIT DROP AS"
            " SELECT e.id, e.held_account_id AS held, e.wallet_account_id AS wallet, c.id IS NOT NULL AS won,"
            "  NOT (c.id IS NOT NULL) AND e.misses >= :max AS out, CAST(:s AS BIGINT) AS amount,"
            "  CASE WHEN c.id IS NOT NULL THEN row_number() OVER"
            "   (PARTITION BY c.id IS NOT NULL ORDER BY c.checked_in_at, e.id) END AS rank"
            " FROM enrollments e LEFT JOIN check_ins c ON c.enrollment_id = e.id AND c.day_index = :k"
            "  AND c.voided_at IS NULL AND c.counts_for_money"
            " WHERE e.challenge_id = :ch AND e.status = 'active'"
        ),
        p,
    )
    session.execute(
        text(
            f"UPDATE o SET amount = (SELECT -sum(amount_minor) FROM {t['postings']}"
            " WHERE account_id = o.held) WHERE out"
        )
    )
    winners, forfeits = session.execute(
        text("SELECT count(*) FILTER (WHERE won), coalesce(sum(amount) FILTER (WHERE NOT won), 0) FROM o")
    ).one()
    pot = books.open_account(session, books.pot(ch, currency)).id
    fee_account = books.open_account(session, books.fee_revenue(currency)).id
    fee = fee_for(forfeits, fee_bps)
    prize = forfeits - fee
    each, extra = divmod(prize, winners)
    occurred = due_at(session.get(Challenge, ch).schedule(), k, 10)
    tx = {}
    for step in (SettleStep.MISSES, SettleStep.WINNERS):  # the order the real settlement posts them in
        tx[step] = session.execute(
            text(
                f"INSERT INTO {t['transactions']} (key, currency, memo, occurred_at, created_at)"
                " VALUES (:key, :ccy, :memo, :at, now()) RETURNING id"
            ),
            {"key": books.settle_key(ch, k, step), "ccy": currency, "memo": str(step), "at": occurred},
        ).scalar_one()
    session.execute(
        text(
            f"INSERT INTO {t['postings']} (transaction_id, account_id, amount_minor)"
            " SELECT :tm, held, amount FROM o WHERE NOT won"
            " UNION ALL SELECT :tm, :pot, -CAST(:forfeits AS BIGINT)"
            " UNION ALL SELECT :tw, held, amount FROM o WHERE won"
            " UNION ALL SELECT :tw, wallet, -(amount + :each + CASE WHEN rank <= :extra THEN 1 ELSE 0 END)"
            "  FROM o WHERE won"
            " UNION ALL SELECT :tw, :pot, CAST(:forfeits AS BIGINT)"
            " UNION ALL SELECT :tw, :fee_account, -CAST(:fee AS BIGINT) WHERE :fee > 0"
        ),
        {
            "tm": tx[SettleStep.MISSES], "tw": tx[SettleStep.WINNERS], "pot": pot, "fee_account": fee_account,
            "forfeits": forfeits, "fee": fee, "each": each, "extra": extra,
        },
    )  # fmt: skip
    session.execute(
        text(
            "UPDATE enrollments e SET misses = e.misses + 1,"
            " status = CASE WHEN o.out THEN 'eliminated' ELSE e.status END,"
            " ended_day_index = CASE WHEN o.out THEN :k ELSE e.ended_day_index END"
            " FROM o WHERE e.id = o.id AND NOT o.won"
        ),
        {"k": k},
    )
    returned = winners * stake
    session.execute(
        text(
            "INSERT INTO day_settlements (challenge_id, day_index, status, currency, stake_minor,"
            " carried_in_minor, forfeited_minor, pot_minor, fee_minor, split_minor, carried_minor,"
            " final_split_minor, unclaimed_minor, returned_minor, split, winners, rest_days, misses,"
            " eliminated, withdrawn, completed, outage_minutes, settled_at)"
            " VALUES (:ch, :k, 'settled', :ccy, :s, 0, :f, :f, :fee, :prize, 0, 0, 0, :returned,"
            " 'equal', :w, 0, (SELECT count(*) FROM o WHERE NOT won),"
            " (SELECT count(*) FROM o WHERE out), 0, 0, 0, :now)"
        ),
        {
            "ch": ch, "k": k, "ccy": currency, "s": stake, "f": forfeits, "fee": fee, "prize": prize,
            "returned": returned, "w": winners, "now": now,
        },
    )  # fmt: skip
    session.execute(
        text("UPDATE challenges SET settled_days = :next, next_due_at = :due WHERE id = :ch"),
        {"next": k + 1, "due": due_at(session.get(Challenge, ch).schedule(), k + 1, 10), "ch": ch},
    )


COMPARISONS = {
    "ledger": (
        "SELECT t.key, count(*), sum(p.amount_minor), sum(abs(p.amount_minor)),"
        " sum(CAST(p.account_id AS NUMERIC) * p.amount_minor)"
        " FROM {transactions} t JOIN {postings} p ON p.transaction_id = t.id"
        " WHERE t.key LIKE :settle_keys GROUP BY t.key ORDER BY t.key"
    ),
    "enrollments": "SELECT status, count(*), sum(misses), sum(coalesce(ended_day_index, -1)) FROM enrollments"
    " GROUP BY status ORDER BY status",
    "days": "SELECT challenge_id, day_index, status, stake_minor, carried_in_minor, forfeited_minor,"
    " pot_minor, fee_minor, split_minor, carried_minor, returned_minor, winners, misses, eliminated"
    " FROM day_settlements",
    "challenges": "SELECT id, status, settled_days, next_due_at FROM challenges ORDER BY id",
}


def compare(engine_a, engine_b) -> bool:
    """Whether two databases hold the same settlement rows (aggregated, and weighted by account)."""
    tables = _tables()
    params = {"ledger": {"settle_keys": books.settle_like()}}
    results = []
    for engine in (engine_a, engine_b):
        with engine.connect() as conn:
            results.append(
                {
                    name: conn.execute(text(sql.format(**tables)), params.get(name, {})).all()
                    for name, sql in COMPARISONS.items()
                }
            )
        engine.dispose()
    same = results[0] == results[1]
    if not same:
        for name in COMPARISONS:
            if results[0][name] != results[1][name]:
                print(
                    f"    differs: {name}\n      ours    {results[0][name]}\n      ceiling {results[1][name]}"
                )
    return same
