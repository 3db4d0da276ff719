"""The split's SQL form (habits/domain_sql/split.py) equals the rule (habits/domain/split.py).

Settlement moves money with the SQL form; the domain is the rule every preview and receipt
explains. Random inputs: amounts, counts, and check-in instants drawn from a few values so
that ties on the instant (broken by enrollment id) are common.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Column, MetaData, Table, delete, insert, select

from habits.domain.split import FINISHER_ORDER, in_order, split_equal
from habits.domain_sql import split as split_sql
from ledger.base import UTCDateTime

PEOPLE = Table(
    "split_sql_people",
    MetaData(),
    Column("enrollment_id", BigInteger, primary_key=True),
    Column("checked_in_at", UTCDateTime()),
    prefixes=["TEMPORARY"],
)
T0 = datetime(2026, 12, 6, 5, 30, tzinfo=UTC)
# function-scoped session: each example empties the table it fills
examples = settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])


@dataclass(frozen=True)
class Winner:
    enrollment_id: int
    checked_in_at: datetime


winners_lists = st.lists(
    st.builds(
        Winner,
        enrollment_id=st.integers(1, 10**9),
        checked_in_at=st.integers(0, 4).map(lambda s: T0 + timedelta(seconds=s)),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda w: w.enrollment_id,
)


def _fill(session, people: list[Winner]) -> None:
    bind = session.connection()
    PEOPLE.create(bind, checkfirst=True)
    session.execute(delete(PEOPLE))
    session.execute(insert(PEOPLE), [vars(w) for w in people])


@examples
@given(amount=st.one_of(st.integers(0, 50), st.integers(0, 10**12)), count=st.integers(1, 300))
def test_equal_share_by_position_is_split_equal(session, amount, count):
    _fill(session, [Winner(i, T0) for i in range(1, count + 1)])
    p = PEOPLE.c
    shares = session.scalars(
        select(split_sql.equal_share(amount, count, p.enrollment_id)).order_by(p.enrollment_id)
    ).all()
    assert shares == split_equal(amount, count)


@examples
@given(people=winners_lists)
def test_winner_rank_is_the_domains_order(session, people):
    _fill(session, people)
    p = PEOPLE.c
    rank = split_sql.winner_rank(checked_in_at=p.checked_in_at, enrollment_id=p.enrollment_id)
    ranked = dict(session.execute(select(p.enrollment_id, rank)).all())
    expected = {w.enrollment_id: i + 1 for i, w in enumerate(in_order(people))}
    assert ranked == expected


@examples
@given(people=winners_lists)
def test_finisher_rank_is_the_domains_order(session, people):
    _fill(session, people)
    p = PEOPLE.c
    ranked = dict(
        session.execute(select(p.enrollment_id, split_sql.finisher_rank(enrollment_id=p.enrollment_id))).all()
    )
    expected = {w.enrollment_id: i + 1 for i, w in enumerate(in_order(people, FINISHER_ORDER))}
    assert ranked == expected


@examples
@given(people=winners_lists, amount=st.integers(0, 10**9))
def test_each_winner_gets_the_domains_amount(session, people, amount):
    """Rank and share together, as the winners' legs use them: who gets the extra cents."""
    _fill(session, people)
    p = PEOPLE.c
    count = len(people)
    rank = split_sql.winner_rank(checked_in_at=p.checked_in_at, enrollment_id=p.enrollment_id)
    ranked = select(p.enrollment_id, rank.label("position")).subquery()
    paid = dict(
        session.execute(
            select(ranked.c.enrollment_id, split_sql.equal_share(amount, count, ranked.c.position))
        ).all()
    )
    amounts = split_equal(amount, count)
    assert paid == {w.enrollment_id: amounts[i] for i, w in enumerate(in_order(people))}
    assert sum(paid.values()) == amount
