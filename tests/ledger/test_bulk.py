"""The set-based paths: post_many (many transactions, all or nothing), post_from_select (one
transaction whose legs come from a SELECT, checked in SQL), and ensure_accounts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import BigInteger, func, literal, select, union_all

import ledger
from ledger import Account, Leg, TransactionSpec
from ledger.errors import (
    EmptyTransaction,
    IdempotencyConflict,
    MixedCurrency,
    NegativeBalance,
    UnbalancedTransaction,
    UnknownAccount,
    ZeroPosting,
)
from ledger.invariants import verify
from tests.ledger.conftest import at, counts, deposit


def spec(key, legs, currency="CNY", hours=1.0):
    return TransactionSpec(key=key, currency=currency, legs=legs, memo=key, occurred_at=at(hours))


def pay(chart, key, amount, src=None, dst=None):
    """A spec moving ``amount`` from held deposit A to wallet A (or ``src`` to ``dst``)."""
    return spec(key, [Leg(src or chart.held_a, amount), Leg(dst or chart.wallet_a, -amount)])


@pytest.fixture
def funded(session, chart):
    deposit(session, chart, chart.held_a, 5000, 0, "deposit:1")
    deposit(session, chart, chart.held_b, 5000, 0, "deposit:2")
    return chart


# --- post_many ----------------------------------------------------------------------------------


def test_post_many_writes_every_transaction(session, funded):
    c = funded
    before = counts(session)
    written = ledger.post_many(
        session,
        [
            pay(c, "r:1", 100),
            pay(c, "r:2", 200, src=c.held_b, dst=c.wallet_b),
            spec("f:1", [Leg(c.held_a, 300), Leg(c.held_b, 300), Leg(c.pot, -600)]),
        ],
    )
    assert written == 3
    assert counts(session) == (before[0] + 3, before[1] + 7)
    normal = ledger.balances(session, c.all(), normal=True)
    assert (normal[c.held_a.id], normal[c.held_b.id], normal[c.pot.id]) == (4600, 4500, 600)
    assert (normal[c.wallet_a.id], normal[c.wallet_b.id]) == (100, 200)
    keys = session.scalars(
        select(ledger.LedgerTransaction.key).where(ledger.LedgerTransaction.key.like("r:%"))
    ).all()
    assert sorted(keys) == ["r:1", "r:2"]
    assert verify(session) == []


def test_post_many_of_nothing_writes_nothing(session, funded):
    before = counts(session)
    assert ledger.post_many(session, []) == 0
    assert counts(session) == before


def test_post_many_checks_the_balance_after_the_whole_batch(session, funded):
    """Money can arrive and leave within one batch; the batch as a whole may not overdraw."""
    c = funded
    ledger.post_many(session, [pay(c, "in", 700), spec("out", [Leg(c.wallet_a, 700), Leg(c.refunds, -700)])])
    assert ledger.normal_balance(session, c.wallet_a) == 0

    before = counts(session)
    # each alone fits in the 4300 held, together they do not
    with pytest.raises(NegativeBalance):
        ledger.post_many(session, [pay(c, "a", 3000), pay(c, "b", 3000)])
    assert counts(session) == before


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ("unbalanced", UnbalancedTransaction),
        ("zero", ZeroPosting),
        ("empty", EmptyTransaction),
        ("mixed", MixedCurrency),
        ("unknown", UnknownAccount),
        ("overdraw", NegativeBalance),
        ("same key twice, other legs", IdempotencyConflict),
    ],
)
def test_one_bad_spec_refuses_the_whole_batch(session, funded, bad, error):
    c = funded
    bad_spec = {
        "unbalanced": spec("bad", [Leg(c.held_a, 10), Leg(c.wallet_a, -9)]),
        "zero": spec("bad", [Leg(c.held_a, 10), Leg(c.wallet_a, -10), Leg(c.pot, 0)]),
        "empty": spec("bad", []),
        "mixed": spec("bad", [Leg(c.held_a, 10), Leg(c.wallet_usd, -10)]),
        "unknown": spec("bad", [Leg(c.held_a, 10), Leg(123_456, -10)]),
        "overdraw": pay(c, "bad", 1, src=c.pot),
        "same key twice, other legs": pay(c, "good:1", 11),
    }[bad]
    before = counts(session)
    with pytest.raises(error):
        ledger.post_many(session, [pay(c, "good:1", 10), bad_spec, pay(c, "good:2", 20)])
    assert counts(session) == before
    assert ledger.post_many(session, [pay(c, "good:1", 10)]) == 1  # the session is still good


def test_post_many_skips_keys_already_posted_with_the_same_legs(session, funded):
    c = funded
    first = ledger.post(session, key="r:1", currency="CNY", legs=pay(c, "r:1", 100).legs, memo="",
                        occurred_at=at(1))  # fmt: skip
    ledger.post_many(session, [pay(c, "r:2", 200)])
    before = counts(session)

    # r:1 and r:2 repeat (legs in another order for r:2), r:3 is new; r:3 twice in the batch is once
    again = [
        pay(c, "r:1", 100),
        spec("r:2", [Leg(c.wallet_a, -200), Leg(c.held_a, 200)]),
        pay(c, "r:3", 300),
        pay(c, "r:3", 300),
    ]
    assert ledger.post_many(session, again) == 1
    assert counts(session) == (before[0] + 1, before[1] + 2)
    assert ledger.normal_balance(session, c.wallet_a) == 600
    assert (
        session.scalar(select(ledger.LedgerTransaction.id).where(ledger.LedgerTransaction.key == "r:1"))
        == first.id
    )
    # all of them again: nothing new
    assert ledger.post_many(session, again) == 0
    assert counts(session) == (before[0] + 1, before[1] + 2)


# The same legs in another currency: post() answers IdempotencyConflict (it looks the key up
# first), post_many MixedCurrency (it checks every spec before looking keys up). Both refuse.
@pytest.mark.parametrize(("change", "error"), [("amount", IdempotencyConflict), ("currency", MixedCurrency)])
def test_post_many_refuses_a_repeat_with_other_legs(session, funded, change, error):
    c = funded
    ledger.post_many(session, [pay(c, "r:1", 100)])
    before = counts(session)
    conflicting = pay(c, "r:1", 101) if change == "amount" else spec("r:1", pay(c, "r:1", 100).legs, "USD")
    with pytest.raises(error):
        ledger.post_many(session, [pay(c, "r:2", 200), conflicting])
    assert counts(session) == before


def test_post_many_splits_large_batches_into_statements(session, funded):
    """More postings than one INSERT holds (5,000 rows): every transaction still lands whole."""
    c = funded
    specs = [spec(f"bulk:{i}", [Leg(c.cash, 1), Leg(c.refunds, -1)]) for i in range(2601)]
    assert ledger.post_many(session, specs) == 2601
    assert ledger.balance(session, c.refunds) == -2601
    assert verify(session) == []


# --- post_from_select ---------------------------------------------------------------------------


def rows(*pairs):
    """A SELECT yielding the (account_id, amount_minor) rows given."""
    selects = [
        select(literal(a, BigInteger).label("account_id"), literal(m, BigInteger).label("amount"))
        for a, m in pairs
    ]
    return select(*union_all(*selects).subquery().c)


def from_select(session, legs, key="sel", currency="CNY"):
    return ledger.post_from_select(
        session, key=key, currency=currency, memo="from a select", occurred_at=at(2), legs=legs
    )


def test_post_from_select_writes_the_legs_a_query_yields(session, funded):
    """Every held deposit pays 10 into the pot: the legs are a query over the accounts table."""
    c = funded
    payers = select(Account.id).where(Account.code.like("held:%"))
    how_many = select(func.count()).select_from(payers.subquery()).scalar_subquery()
    legs = union_all(
        select(Account.id.label("account_id"), literal(10, BigInteger).label("amount_minor")).where(
            Account.id.in_(payers)
        ),
        select(literal(c.pot.id, BigInteger), literal(-10, BigInteger) * how_many),
    )
    transaction = from_select(session, select(*legs.subquery().c), key="settle:1:3:misses")

    assert transaction is not None
    assert transaction.key == "settle:1:3:misses"
    assert sorted((p.account_id, p.amount_minor) for p in transaction.postings) == sorted(
        [(c.held_a.id, 10), (c.held_b.id, 10), (c.pot.id, -20)]
    )
    assert ledger.normal_balance(session, c.pot) == 20
    assert verify(session) == []


def test_an_empty_select_writes_nothing_and_returns_none(session, funded):
    before = counts(session)
    assert from_select(session, rows((funded.pot.id, 1)).where(literal(False))) is None
    assert counts(session) == before
    # the key stays free
    assert from_select(session, rows((funded.held_a.id, 5), (funded.wallet_a.id, -5))) is not None


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ("unbalanced", UnbalancedTransaction),
        ("zero", ZeroPosting),
        ("mixed", MixedCurrency),
        ("overdraw", NegativeBalance),
    ],
)
def test_post_from_select_checks_in_sql_and_leaves_nothing(session, funded, bad, error):
    c = funded
    legs = {
        "unbalanced": rows((c.held_a.id, 10), (c.wallet_a.id, -9)),
        "zero": rows((c.held_a.id, 10), (c.wallet_a.id, -10), (c.pot.id, 0)),
        "mixed": rows((c.held_a.id, 10), (c.wallet_usd.id, -10)),
        "overdraw": rows((c.held_a.id, 5001), (c.wallet_a.id, -5001)),
    }[bad]
    before = counts(session)
    with pytest.raises(error):
        from_select(session, legs)
    assert counts(session) == before
    assert from_select(session, rows((c.held_a.id, 5), (c.wallet_a.id, -5))) is not None


def test_post_from_select_repeat_with_the_same_legs_returns_the_first(session, funded):
    c = funded
    first = from_select(session, rows((c.held_a.id, 30), (c.wallet_a.id, -20), (c.pot.id, -10)))
    before = counts(session)

    again = from_select(session, rows((c.pot.id, -10), (c.held_a.id, 30), (c.wallet_a.id, -20)))
    assert again.id == first.id
    assert counts(session) == before
    # post() with the same legs under the same key agrees it is the same movement
    same = ledger.post(session, key="sel", currency="CNY", memo="", occurred_at=at(2),
                       legs=[Leg(c.held_a, 30), Leg(c.wallet_a, -20), Leg(c.pot, -10)])  # fmt: skip
    assert same.id == first.id


@pytest.mark.parametrize("change", ["amount", "account", "currency", "no rows now"])
def test_post_from_select_repeat_with_other_legs_conflicts(session, funded, change):
    c = funded
    from_select(session, rows((c.held_a.id, 30), (c.wallet_a.id, -30)))
    before = counts(session)
    legs = {
        "amount": rows((c.held_a.id, 31), (c.wallet_a.id, -31)),
        "account": rows((c.held_a.id, 30), (c.pot.id, -30)),
        "currency": rows((c.held_a.id, 30), (c.wallet_a.id, -30)),
        "no rows now": rows((c.held_a.id, 30)).where(literal(False)),
    }[change]
    with pytest.raises(IdempotencyConflict):
        from_select(session, legs, currency="USD" if change == "currency" else "CNY")
    assert counts(session) == before


def test_post_from_select_many_legs(session, funded):
    """Six thousand legs from one SELECT, never Python objects: one transaction, balanced."""
    c = funded
    accounts = ledger.ensure_accounts(
        session,
        [SimpleNamespace(code=f"wallet:bulk:{i}", kind="liability", currency="CNY", non_negative=True)
         for i in range(6_000)],
    )  # fmt: skip
    wallets = select(Account.id).where(Account.code.like("wallet:bulk:%"))
    legs = union_all(
        select(Account.id.label("account_id"), literal(-1, BigInteger).label("amount_minor")).where(
            Account.id.in_(wallets)
        ),
        select(literal(c.cash.id, BigInteger), literal(6_000, BigInteger)),
    )
    transaction = from_select(session, select(*legs.subquery().c), key="bulk")
    assert transaction is not None
    assert ledger.balance(session, c.cash) == 16_000
    assert set(ledger.balances(session, accounts.values(), normal=True).values()) == {1}
    assert verify(session) == []


# --- ensure_accounts ----------------------------------------------------------------------------


def account_spec(code, kind="liability", currency="CNY", non_negative=True):
    return SimpleNamespace(code=code, kind=kind, currency=currency, non_negative=non_negative)


def test_ensure_accounts_creates_then_finds(session, chart):
    created = ledger.ensure_accounts(session, [account_spec("w:1"), account_spec("w:2"), account_spec("w:1")])
    assert set(created) == {"w:1", "w:2"}
    found = ledger.ensure_accounts(
        session, [account_spec("w:2"), account_spec("w:3"), account_spec("wallet:member:1:CNY")]
    )
    assert found["w:2"] == created["w:2"]
    assert found["wallet:member:1:CNY"] == chart.wallet_a.id
    new = session.get(Account, found["w:3"])
    assert (new.code, new.kind, new.currency, new.non_negative) == ("w:3", "liability", "CNY", True)
    assert ledger.ensure_accounts(session, []) == {}


def test_ensure_accounts_in_bulk(session):
    specs = [account_spec(f"bulk:{i}", kind="asset", non_negative=False) for i in range(6_000)]
    ids = ledger.ensure_accounts(session, specs)
    assert len(set(ids.values())) == 6_000
    assert ledger.ensure_accounts(session, specs) == ids
