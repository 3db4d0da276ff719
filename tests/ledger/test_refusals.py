"""Every refusal of post(), and that each leaves nothing written (Can a bad movement half-land?)."""

from __future__ import annotations

import pytest

import ledger
from ledger import Leg
from ledger.errors import (
    EmptyTransaction,
    IdempotencyConflict,
    LedgerError,
    MixedCurrency,
    NegativeBalance,
    UnbalancedTransaction,
    UnknownAccount,
    ZeroPosting,
)
from ledger.invariants import verify
from tests.ledger.conftest import at, counts, deposit


def post(session, legs, key="k", currency="CNY", hours=1.0, memo="m"):
    return ledger.post(session, key=key, currency=currency, legs=legs, memo=memo, occurred_at=at(hours))


@pytest.fixture
def funded(session, chart):
    """A's deposit of 5000 is held; 1000 of it already came back to A's wallet."""
    deposit(session, chart, chart.held_a, 5000, 0, "deposit:1")
    post(session, [Leg(chart.held_a, 1000), Leg(chart.wallet_a, -1000)], key="return:1", hours=0.5)
    return chart


def refusals(chart):
    c = chart
    return [
        ("unbalanced", UnbalancedTransaction, [Leg(c.held_a, 100), Leg(c.wallet_a, -99)], "CNY"),
        ("zero leg", ZeroPosting, [Leg(c.held_a, 100), Leg(c.wallet_a, -100), Leg(c.pot, 0)], "CNY"),
        ("empty", EmptyTransaction, [], "CNY"),
        ("mixed currency", MixedCurrency, [Leg(c.held_a, 100), Leg(c.wallet_usd, -100)], "CNY"),
        ("wrong currency", MixedCurrency, [Leg(c.held_a, 100), Leg(c.wallet_a, -100)], "USD"),
        ("unknown account", UnknownAccount, [Leg(c.held_a, 100), Leg(999_999, -100)], "CNY"),
        ("wallet below zero", NegativeBalance, [Leg(c.wallet_a, 1001), Leg(c.cash, -1001)], "CNY"),
        ("held below zero", NegativeBalance, [Leg(c.held_a, 4001), Leg(c.pot, -4001)], "CNY"),
        ("empty pot drawn", NegativeBalance, [Leg(c.pot, 1), Leg(c.wallet_a, -1)], "CNY"),
        ("float amount", LedgerError, [Leg(c.held_a, 1.0), Leg(c.wallet_a, -1.0)], "CNY"),
        ("bool amount", LedgerError, [Leg(c.held_a, True), Leg(c.wallet_a, -1)], "CNY"),
    ]


NAMES = [
    "unbalanced", "zero leg", "empty", "mixed currency", "wrong currency", "unknown account",
    "wallet below zero", "held below zero", "empty pot drawn", "float amount", "bool amount",
]  # fmt: skip


@pytest.mark.parametrize("case", range(len(NAMES)), ids=NAMES)
def test_each_refusal_leaves_nothing_written(session, funded, case):
    name, error, legs, currency = refusals(funded)[case]
    assert name == NAMES[case]
    before = counts(session)
    balances_before = ledger.balances(session, funded.all())

    with pytest.raises(error):
        post(session, legs, key=f"refused:{name}", currency=currency)

    assert counts(session) == before, name
    assert ledger.balances(session, funded.all()) == balances_before
    # the session is still good: the refused key is free, and a valid movement goes through
    post(session, [Leg(funded.held_a, 10), Leg(funded.wallet_a, -10)], key=f"refused:{name}")
    assert counts(session) == (before[0] + 1, before[1] + 2)
    assert verify(session) == []


def test_an_empty_key_is_refused(session, funded):
    with pytest.raises(LedgerError, match="idempotency key"):
        post(session, [Leg(funded.held_a, 10), Leg(funded.wallet_a, -10)], key="")


def test_exactly_the_balance_may_be_drawn(session, funded):
    """Down to zero is allowed; one unit more is not."""
    post(session, [Leg(funded.wallet_a, 1000), Leg(funded.refunds, -1000)], key="withdraw:all")
    assert ledger.normal_balance(session, funded.wallet_a) == 0
    with pytest.raises(NegativeBalance):
        post(session, [Leg(funded.wallet_a, 1), Leg(funded.refunds, -1)], key="withdraw:more")


def test_accounts_without_the_flag_may_go_negative(session, chart):
    """Fee revenue is not non_negative: a correction may take it below zero."""
    post(session, [Leg(chart.fee, 50), Leg(chart.cash, -50)], key="fee-correction")
    assert ledger.normal_balance(session, chart.fee) == -50


def test_a_repeat_returns_the_same_transaction(session, funded):
    legs = [Leg(funded.held_a, 300), Leg(funded.wallet_a, -200), Leg(funded.pot, -100)]
    first = post(session, legs, key="settle:1:2:returns")
    before = counts(session)
    balances_before = ledger.balances(session, funded.all())

    again = post(session, legs, key="settle:1:2:returns")
    # legs in another order, accounts by id, and another memo and instant: still the same movement
    shuffled = [Leg(funded.pot.id, -100), Leg(funded.held_a.id, 300), Leg(funded.wallet_a.id, -200)]
    reordered = post(session, shuffled, key="settle:1:2:returns", memo="retried", hours=9)

    assert again.id == first.id == reordered.id
    assert reordered.memo == "m"
    assert counts(session) == before
    assert ledger.balances(session, funded.all()) == balances_before


def test_a_repeat_is_answered_before_any_balance_check(session, funded):
    """The wallet was drawn to zero by the first post: a retry of it is not an overdraft."""
    legs = [Leg(funded.wallet_a, 1000), Leg(funded.refunds, -1000)]
    first = post(session, legs, key="withdraw:1")
    assert post(session, legs, key="withdraw:1").id == first.id


@pytest.mark.parametrize(
    "change",
    ["other amounts", "other account", "one leg more", "split legs", "other currency"],
)
def test_a_repeat_with_other_legs_is_a_conflict(session, funded, change):
    c = funded
    post(session, [Leg(c.held_a, 300), Leg(c.wallet_a, -300)], key="settle:1:2:returns")
    before = counts(session)
    legs, currency = {
        "other amounts": ([Leg(c.held_a, 301), Leg(c.wallet_a, -301)], "CNY"),
        "other account": ([Leg(c.held_a, 300), Leg(c.pot, -300)], "CNY"),
        "one leg more": ([Leg(c.held_a, 300), Leg(c.wallet_a, -200), Leg(c.pot, -100)], "CNY"),
        "split legs": ([Leg(c.held_a, 300), Leg(c.wallet_a, -150), Leg(c.wallet_a, -150)], "CNY"),
        "other currency": ([Leg(c.held_a, 300), Leg(c.wallet_a, -300)], "USD"),
    }[change]

    with pytest.raises(IdempotencyConflict):
        post(session, legs, key="settle:1:2:returns", currency=currency)

    assert counts(session) == before
    assert verify(session) == []


def test_every_refusal_is_a_ledger_error():
    for error in (
        UnbalancedTransaction,
        EmptyTransaction,
        ZeroPosting,
        MixedCurrency,
        UnknownAccount,
        NegativeBalance,
        IdempotencyConflict,
    ):
        assert issubclass(error, LedgerError)


def test_get_or_create_account_refuses_a_different_definition(session, chart):
    same = ledger.get_or_create_account(
        session, code="wallet:member:1:CNY", kind="liability", currency="CNY", non_negative=True
    )
    assert same.id == chart.wallet_a.id
    for kind, currency, non_negative in [("asset", "CNY", True), ("liability", "USD", True),
                                         ("liability", "CNY", False)]:  # fmt: skip
        with pytest.raises(LedgerError, match="exists as"):
            ledger.get_or_create_account(
                session, code="wallet:member:1:CNY", kind=kind, currency=currency, non_negative=non_negative
            )
    with pytest.raises(ValueError):
        ledger.get_or_create_account(session, code="x", kind="nonsense", currency="CNY")
