"""Worked examples, in the manner of hordak's test_worked_examples.py: a member's money through a
deposit, a day's return and forfeit, a split with a fee and a refund, with every balance written
out by hand (raw: debit positive; normal: as the account's owner reads it)."""

from __future__ import annotations

import pytest

import ledger
from ledger import Leg
from ledger.invariants import verify
from tests.ledger.conftest import at, deposit


def settle_day_one(session, chart):
    """A checked in (1000 back to the wallet), B missed (1000 to the pot)."""
    ledger.post(
        session, key="settle:1:1:returns", currency="CNY",
        legs=[Leg(chart.held_a, 1000), Leg(chart.wallet_a, -1000)],
        memo="day 1: returned", occurred_at=at(24),
    )  # fmt: skip
    ledger.post(
        session, key="settle:1:1:misses", currency="CNY",
        legs=[Leg(chart.held_b, 1000), Leg(chart.pot, -1000)],
        memo="day 1: forfeited", occurred_at=at(24),
    )  # fmt: skip


def split_pot(session, chart):
    """The pot of 1000: a 10 % fee, 900 to the one winner."""
    ledger.post(
        session, key="settle:1:1:split", currency="CNY",
        legs=[Leg(chart.pot, 1000), Leg(chart.fee, -100), Leg(chart.wallet_a, -900)],
        memo="day 1: split", occurred_at=at(24.5),
    )  # fmt: skip


def refund_wallet(session, chart):
    """A withdraws the whole wallet (1900): pending, then the processor confirms."""
    ledger.post(
        session, key="withdraw:1", currency="CNY",
        legs=[Leg(chart.wallet_a, 1900), Leg(chart.refunds, -1900)],
        memo="refund requested", occurred_at=at(30),
    )  # fmt: skip
    ledger.post(
        session, key="stripe:evt_refund_1", currency="CNY",
        legs=[Leg(chart.refunds, 1900), Leg(chart.cash, -1900)],
        memo="refund succeeded", occurred_at=at(31),
    )  # fmt: skip


def test_a_deposit_is_cash_in_and_money_held(session, chart):
    """A deposit of 7000: processor cash +7000 raw, the held deposit -7000 raw; both read 7000."""
    transaction = deposit(session, chart, chart.held_a, 7000, 0, "deposit:1")

    assert [(p.account_id, p.amount_minor) for p in transaction.postings] == [
        (chart.cash.id, 7000),
        (chart.held_a.id, -7000),
    ]
    assert ledger.balance(session, chart.cash) == 7000
    assert ledger.balance(session, chart.held_a) == -7000
    assert ledger.normal_balance(session, chart.cash) == 7000
    assert ledger.normal_balance(session, chart.held_a) == 7000
    assert ledger.balance(session, chart.held_a.id, normal=True) == 7000
    assert verify(session) == []


def test_a_day_returns_and_forfeits(session, chart):
    deposit(session, chart, chart.held_a, 7000, 0, "deposit:1")
    deposit(session, chart, chart.held_b, 7000, 0.5, "deposit:2")
    settle_day_one(session, chart)

    normal = ledger.balances(session, chart.all(), normal=True)
    assert normal[chart.held_a.id] == 6000
    assert normal[chart.wallet_a.id] == 1000
    assert normal[chart.held_b.id] == 6000
    assert normal[chart.pot.id] == 1000
    assert normal[chart.cash.id] == 14000
    assert ledger.balances(session, chart.all())[chart.pot.id] == -1000
    assert verify(session) == []


def test_a_split_with_fee_empties_the_pot(session, chart):
    deposit(session, chart, chart.held_a, 7000, 0, "deposit:1")
    deposit(session, chart, chart.held_b, 7000, 0.5, "deposit:2")
    settle_day_one(session, chart)
    split_pot(session, chart)

    normal = ledger.balances(session, chart.all(), normal=True)
    assert normal[chart.pot.id] == 0
    assert normal[chart.fee.id] == 100
    assert ledger.balance(session, chart.fee) == -100
    assert normal[chart.wallet_a.id] == 1900
    assert verify(session) == []


def test_a_refund_takes_cash_out(session, chart):
    deposit(session, chart, chart.held_a, 7000, 0, "deposit:1")
    deposit(session, chart, chart.held_b, 7000, 0.5, "deposit:2")
    settle_day_one(session, chart)
    split_pot(session, chart)
    refund_wallet(session, chart)

    raw = ledger.balances(session, chart.all())
    assert raw == {
        chart.cash.id: 12100,
        chart.held_a.id: -6000,
        chart.held_b.id: -6000,
        chart.wallet_a.id: 0,
        chart.wallet_b.id: 0,
        chart.pot.id: 0,
        chart.fee.id: -100,
        chart.refunds.id: 0,
        chart.wallet_usd.id: 0,
    }
    assert sum(raw.values()) == 0
    assert verify(session) == []


@pytest.mark.parametrize(
    ("hours", "cash", "held_a", "wallet_a", "pot", "refunds"),
    [
        (-1, 0, 0, 0, 0, 0),  # before anything
        (0, 7000, 7000, 0, 0, 0),  # at the deposit's own instant: counted
        (23.99, 14000, 7000, 0, 0, 0),
        (24, 14000, 6000, 1000, 1000, 0),  # day 1 settled
        (24.5, 14000, 6000, 1900, 0, 0),  # pot split
        (30.5, 14000, 6000, 0, 0, 1900),  # refund on its way
        (31, 12100, 6000, 0, 0, 0),  # refund done
    ],
)
def test_balances_as_of_an_instant(session, chart, hours, cash, held_a, wallet_a, pot, refunds):
    deposit(session, chart, chart.held_a, 7000, 0, "deposit:1")
    deposit(session, chart, chart.held_b, 7000, 0.5, "deposit:2")
    settle_day_one(session, chart)
    split_pot(session, chart)
    refund_wallet(session, chart)

    as_of = ledger.balances(session, chart.all(), as_of=at(hours), normal=True)
    assert (
        as_of[chart.cash.id],
        as_of[chart.held_a.id],
        as_of[chart.wallet_a.id],
        as_of[chart.pot.id],
        as_of[chart.refunds.id],
    ) == (cash, held_a, wallet_a, pot, refunds)
    assert ledger.normal_balance(session, chart.wallet_a, as_of=at(hours)) == wallet_a


def test_a_statement_runs_the_balance_and_pages(session, chart):
    deposit(session, chart, chart.held_a, 7000, 0, "deposit:1")
    deposit(session, chart, chart.held_b, 7000, 0.5, "deposit:2")
    settle_day_one(session, chart)
    split_pot(session, chart)
    refund_wallet(session, chart)

    whole = ledger.statement(session, chart.wallet_a)
    assert [(e.key, e.amount_minor, e.running_balance) for e in whole.entries] == [
        ("settle:1:1:returns", 1000, 1000),
        ("settle:1:1:split", 900, 1900),
        ("withdraw:1", -1900, 0),
    ]
    assert whole.total == 3
    assert whole.entries[0].occurred_at == at(24)
    assert whole.entries[0].memo == "day 1: returned"

    first = ledger.statement(session, chart.wallet_a.id, page=1, per_page=2)
    second = ledger.statement(session, chart.wallet_a.id, page=2, per_page=2)
    third = ledger.statement(session, chart.wallet_a.id, page=3, per_page=2)
    assert (first.total, second.total, first.page, second.page, first.per_page) == (3, 3, 1, 2, 2)
    assert first.entries + second.entries == whole.entries
    assert second.entries[0].running_balance == 0  # carried over from page 1
    assert third.entries == []

    # the asset side reads the other way round: cash in is positive for the processor account
    cash = ledger.statement(session, chart.cash)
    assert [(e.amount_minor, e.running_balance) for e in cash.entries] == [
        (7000, 7000),
        (7000, 14000),
        (-1900, 12100),
    ]


def test_statement_order_is_time_then_transaction_then_posting(session, chart):
    """Back-dated and same-instant transactions: order by occurred_at, then id, on every page."""
    deposit(session, chart, chart.held_a, 5000, 0, "deposit:1")

    def pay(key, amount, hours):
        return ledger.post(
            session, key=key, currency="CNY", legs=[Leg(chart.held_a, amount), Leg(chart.wallet_a, -amount)],
            memo=key, occurred_at=at(hours),
        )  # fmt: skip

    late = pay("t-late", 100, 10)
    tie_first = pay("t-tie-1", 200, 5)
    tie_second = pay("t-tie-2", 300, 5)
    backdated = pay("t-back", 400, 1)  # written last, happened second
    assert tie_first.id < tie_second.id

    expected = [(backdated.id, 400, 400), (tie_first.id, 200, 600), (tie_second.id, 300, 900),
                (late.id, 100, 1000)]  # fmt: skip
    for per_page in (1, 2, 3, 4):
        pages = [ledger.statement(session, chart.wallet_a, page=n, per_page=per_page) for n in range(1, 6)]
        seen = [(e.transaction_id, e.amount_minor, e.running_balance) for p in pages for e in p.entries]
        assert seen == expected, per_page

    # the same, asked again, is the same (stable)
    assert ledger.statement(session, chart.wallet_a, page=2, per_page=2) == ledger.statement(
        session, chart.wallet_a, page=2, per_page=2
    )


def test_per_page_is_clamped(session, chart):
    deposit(session, chart, chart.held_a, 5000, 0, "deposit:1")
    assert ledger.statement(session, chart.held_a, per_page=0).per_page == 1
    assert ledger.statement(session, chart.held_a, per_page=10_000).per_page == 500
    assert ledger.statement(session, chart.held_a, page=0).page == 1


def test_normal_sign_reads_each_kind():
    assert [ledger.normal_sign(k) for k in ledger.AccountKind] == [1, -1, -1, -1, 1]
    with pytest.raises(ValueError):
        ledger.normal_sign("nonsense")


def test_the_same_leg_twice_in_one_transaction_is_kept_as_two_postings(session, chart):
    """Two legs on one account are two postings (a statement shows both)."""
    deposit(session, chart, chart.held_a, 5000, 0, "deposit:1")
    transaction = ledger.post(
        session, key="two-legs", currency="CNY",
        legs=[Leg(chart.held_a, 300), Leg(chart.held_a, 200), Leg(chart.wallet_a, -500)],
        memo="", occurred_at=at(1),
    )  # fmt: skip
    assert len(transaction.postings) == 3
    assert ledger.normal_balance(session, chart.held_a) == 4500
    assert [e.running_balance for e in ledger.statement(session, chart.held_a).entries] == [5000, 4700, 4500]


def test_money_passing_through_an_account_within_a_transaction_is_no_dip(session, chart):
    """The pot pays out before it is paid in, within ONE transaction: post() takes it (the balance
    after the transaction is what counts), and verify() agrees: no 'went down' in between."""
    deposit(session, chart, chart.held_a, 1000, 0, "deposit:1")
    ledger.post(
        session, key="through-the-pot", currency="CNY",
        legs=[Leg(chart.pot, 1000), Leg(chart.wallet_a, -1000),
              Leg(chart.held_a, 1000), Leg(chart.pot, -1000)],
        memo="", occurred_at=at(1),
    )  # fmt: skip
    assert ledger.normal_balance(session, chart.pot) == 0
    assert verify(session) == []
