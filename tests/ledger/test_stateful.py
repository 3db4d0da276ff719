"""A model-based test (TigerBeetle's workload + auditor, scaled down): random deposits, transfers,
withdrawals, multi-leg movements (some malformed), repeats of keys and conflicting keys, against
a plain dict of balances. After every step the books' balances equal the model's, and verify()
finds nothing."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule
from sqlalchemy.orm import Session

import ledger
from habits.extensions import db
from ledger import Leg, TransactionSpec
from ledger.errors import (
    EmptyTransaction,
    IdempotencyConflict,
    LedgerError,
    NegativeBalance,
    UnbalancedTransaction,
    ZeroPosting,
)
from ledger.invariants import verify
from tests.ledger.conftest import T0, open_chart

SETTINGS = settings(
    max_examples=30,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class LedgerMachine(RuleBasedStateMachine):
    """One example = one database session inside an outer transaction that is rolled back."""

    engine = None  # set by the test

    keys = Bundle("keys")

    def __init__(self):
        super().__init__()
        self.connection = self.engine.connect()
        self.outer = self.connection.begin()
        self.session = Session(bind=self.connection, join_transaction_mode="create_savepoint")
        self.chart = open_chart(self.session)
        self.usd_cash = ledger.get_or_create_account(
            self.session, code="processor_cash:USD", kind="asset", currency="USD"
        )
        c = self.chart
        self.accounts = [*c.all(), self.usd_cash]
        self.wallets = [c.wallet_a, c.wallet_b]
        #: the CNY accounts any movement may touch; the non-negative ones among them are guarded
        self.cny = [c.cash, c.wallet_a, c.wallet_b, c.pot, c.fee, c.refunds]
        self.model = {a.id: 0 for a in self.accounts}  # raw balances
        self.posted: dict[str, tuple[str, list[Leg]]] = {}
        self.steps = 0

    def teardown(self):
        self.session.close()
        self.outer.rollback()
        self.connection.close()

    # --- the model ---

    def normal(self, account_id: int) -> int:
        kind = next(a.kind for a in self.accounts if a.id == account_id)
        return self.model[account_id] * ledger.normal_sign(kind)

    def outcome(self, legs: list[Leg]) -> type[Exception] | None:
        """What post() must do with these legs under a fresh key: the error, or None to write."""
        if any(amount == 0 for _, amount in legs):
            return ZeroPosting
        if not legs:
            return EmptyTransaction
        if sum(amount for _, amount in legs) != 0:
            return UnbalancedTransaction
        after = dict(self.model)
        for account, amount in legs:
            after[account.id] += amount
        for account in self.accounts:
            if account.non_negative and after[account.id] * ledger.normal_sign(account.kind) < 0:
                return NegativeBalance
        return None

    def post(self, key: str, currency: str, legs: list[Leg]):
        """post() and check it did exactly what the model says; the key if it was written."""
        self.steps += 1
        expected = self.outcome(legs)
        occurred_at = T0 + timedelta(minutes=self.steps)
        if expected is not None:
            try:
                ledger.post(
                    self.session, key=key, currency=currency, legs=legs, memo="", occurred_at=occurred_at
                )
            except expected:
                return multiple()
            raise AssertionError(f"{key}: expected {expected.__name__}")
        transaction = ledger.post(
            self.session, key=key, currency=currency, legs=legs, memo="", occurred_at=occurred_at
        )
        assert transaction.key == key
        for account, amount in legs:
            self.model[account.id] += amount
        self.posted[key] = (currency, legs)
        return key

    # --- rules ---

    @rule(target=keys, member=st.integers(0, 1), amount=st.integers(1, 10_000), usd=st.booleans())
    def deposit(self, member, amount, usd):
        if usd:
            legs = [Leg(self.usd_cash, amount), Leg(self.chart.wallet_usd, -amount)]
            return self.post(f"deposit:usd:{self.steps}", "USD", legs)
        return self.post(f"deposit:{self.steps}", "CNY", [Leg(self.chart.cash, amount),
                                                           Leg(self.wallets[member], -amount)])  # fmt: skip

    @rule(target=keys, src=st.integers(0, 2), dst=st.integers(0, 2), amount=st.integers(1, 10_000))
    def transfer(self, src, dst, amount):
        """Between the two wallets and the pot (all may not go negative); may overdraw."""
        places = [*self.wallets, self.chart.pot]
        legs = [Leg(places[src], amount), Leg(places[dst], -amount)]
        return self.post(f"transfer:{self.steps}", "CNY", legs)

    @rule(target=keys, member=st.integers(0, 1), amount=st.integers(1, 10_000))
    def withdraw(self, member, amount):
        legs = [Leg(self.wallets[member], amount), Leg(self.chart.cash, -amount)]
        return self.post(f"withdraw:{self.steps}", "CNY", legs)

    @rule(
        target=keys,
        picks=st.lists(st.tuples(st.integers(0, 5), st.integers(-3000, 3000)), min_size=0, max_size=5),
        balanced=st.booleans(),
    )
    def movement(self, picks, balanced):
        """Any legs over the CNY accounts: balanced or not, zero legs, empty: the model decides."""
        legs = [Leg(self.cny[i], amount) for i, amount in picks]
        if balanced and legs:
            legs.append(Leg(self.chart.cash, -sum(amount for _, amount in legs)))
        return self.post(f"movement:{self.steps}", "CNY", legs)

    @rule(key=keys, data=st.data())
    def repeat(self, key, data):
        """The same key and legs (in any order, by object or id): the same transaction, no change."""
        currency, legs = self.posted[key]
        shuffled = data.draw(st.permutations(legs))
        by_id = [Leg(a.id if data.draw(st.booleans()) else a, m) for a, m in shuffled]
        before = ledger.balances(self.session, self.accounts)
        again = ledger.post(self.session, key=key, currency=currency, legs=by_id, memo="x", occurred_at=T0)
        assert again.key == key
        assert ledger.balances(self.session, self.accounts) == before

    @rule(key=keys, delta=st.integers(1, 500))
    def conflict(self, key, delta):
        """The same key with other legs: IdempotencyConflict, nothing written."""
        currency, legs = self.posted[key]
        cash = self.usd_cash if currency == "USD" else self.chart.cash
        other = [*legs, Leg(cash, delta), Leg(cash, -delta)]
        try:
            ledger.post(self.session, key=key, currency=currency, legs=other, memo="", occurred_at=T0)
        except IdempotencyConflict:
            return
        raise AssertionError(f"{key}: a repeat with other legs was accepted")

    @rule(target=keys, old=st.lists(keys, max_size=3), amounts=st.lists(st.integers(1, 3000), max_size=3))
    def batch(self, old, amounts):
        """post_many: repeats of written keys are skipped, new deposits written, all at once."""
        self.steps += 1
        fresh = [f"batch:{self.steps}:{i}" for i in range(len(amounts))]
        specs = [
            TransactionSpec(key=k, currency=self.posted[k][0], legs=self.posted[k][1], memo="",
                            occurred_at=T0)
            for k in old
        ] + [
            TransactionSpec(
                key=k, currency="CNY", legs=[Leg(self.chart.cash, m), Leg(self.chart.wallet_b, -m)], memo="",
                occurred_at=T0 + timedelta(minutes=self.steps),
            )
            for k, m in zip(fresh, amounts, strict=True)
        ]  # fmt: skip
        assert ledger.post_many(self.session, specs) == len(fresh)
        for k, m in zip(fresh, amounts, strict=True):
            self.model[self.chart.cash.id] += m
            self.model[self.chart.wallet_b.id] -= m
            self.posted[k] = ("CNY", [Leg(self.chart.cash, m), Leg(self.chart.wallet_b, -m)])
        return multiple(*fresh)

    @rule(member=st.integers(0, 1))
    def overdraw_in_a_batch(self, member):
        """Two withdrawals that each fit but together overdraw: post_many refuses both."""
        wallet = self.wallets[member]
        have = self.normal(wallet.id)
        if have < 2:
            return
        self.steps += 1
        half = have // 2 + 1
        specs = [
            TransactionSpec(key=f"over:{self.steps}:{i}", currency="CNY", memo="", occurred_at=T0,
                            legs=[Leg(wallet, half), Leg(self.chart.cash, -half)])
            for i in range(2)
        ]  # fmt: skip
        try:
            ledger.post_many(self.session, specs)
        except NegativeBalance:
            return
        raise AssertionError("a batch overdrawing a wallet was accepted")

    # --- the auditor ---

    @invariant()
    def books_agree_with_the_model(self):
        assert ledger.balances(self.session, self.accounts) == self.model
        for account in self.accounts:
            if account.non_negative:
                assert self.normal(account.id) >= 0
        assert verify(self.session) == []


def test_random_movements_keep_the_books_right(app):
    with app.app_context():
        LedgerMachine.engine = db.engine
    try:
        LedgerMachine.TestCase.settings = SETTINGS
        LedgerMachine.TestCase("runTest").runTest()
    finally:
        LedgerMachine.engine = None


def test_the_model_refuses_what_the_ledger_refuses():
    """LedgerError is the root of every refusal the model predicts."""
    for error in (ZeroPosting, EmptyTransaction, UnbalancedTransaction, NegativeBalance, IdempotencyConflict):
        assert issubclass(error, LedgerError)
