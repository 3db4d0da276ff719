"""Bad rows written behind the library's back (raw SQL): verify() names each one, and
`flask ledger verify` lists it and exits 1. On PostgreSQL the triggers refuse what they can
(anything that unbalances a transaction, any UPDATE or DELETE); a balanced row in the wrong
currency or a draw dated in the past passes the triggers and is left to verify().
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError

import ledger
from app import create_app
from habits.extensions import db
from ledger import Leg, UTCDateTime
from ledger.invariants import verify, verify_report
from tests.conftest import ON_POSTGRES, test_settings
from tests.ledger.conftest import at, counts, deposit, open_chart

INSERT_TRANSACTION = text(
    "INSERT INTO ledger_transactions (key, currency, memo, occurred_at, created_at) "
    "VALUES (:key, :currency, '', :at, :at) RETURNING id"
).bindparams(bindparam("at", type_=UTCDateTime()))

INSERT_POSTINGS = "INSERT INTO ledger_postings (transaction_id, account_id, amount_minor) VALUES "


def raw_transaction(session, key, currency, hours, legs):
    """A transaction and its legs in two raw statements (the legs in ONE, as the triggers want)."""
    transaction_id = session.execute(
        INSERT_TRANSACTION, {"key": key, "currency": currency, "at": at(hours)}
    ).scalar()
    raw_postings(session, transaction_id, legs)
    return transaction_id


def raw_postings(session, transaction_id, legs):
    values = ", ".join(f"({transaction_id}, {account.id}, {amount})" for account, amount in legs)
    session.execute(text(INSERT_POSTINGS + values))


def checks_of(violations):
    return sorted({v.check for v in violations})


# --- the three corruptions, on both databases -----------------------------------------------------


def test_an_extra_posting_in_an_old_transaction(session, chart):
    """SQLite takes it and verify() finds the transaction unbalanced; PostgreSQL refuses it."""
    first = deposit(session, chart, chart.held_a, 5000, 0, "deposit:1")
    before = counts(session)
    if ON_POSTGRES:
        with pytest.raises(DBAPIError, match="unbalanced"), session.begin_nested():
            raw_postings(session, first.id, [(chart.cash, 5)])
        assert counts(session) == before
        assert verify(session) == []
        return
    raw_postings(session, first.id, [(chart.cash, 5)])
    violations = verify(session)
    assert checks_of(violations) == ["transaction-balances", "zero-sum"]
    assert any(v.ref == "deposit:1" and "sums to 5" in v.message for v in violations)


def test_a_posting_in_the_wrong_currency(session, chart):
    """Balanced, so no trigger stops it: a USD wallet inside a CNY transaction. verify() names it."""
    deposit(session, chart, chart.held_a, 5000, 0, "deposit:1")
    raw_transaction(session, "bad:currency", "CNY", 1, [(chart.cash, 100), (chart.wallet_usd, -100)])
    violations = verify(session)
    assert checks_of(violations) == ["one-currency", "zero-sum"]
    wrong = next(v for v in violations if v.check == "one-currency")
    assert wrong.ref == "bad:currency"
    assert "wallet:member:1:USD (USD) in a CNY transaction" in wrong.message
    assert {v.ref for v in violations if v.check == "zero-sum"} == {"CNY", "USD"}


def test_a_wallet_driven_negative_back_in_time(session, chart):
    """The wallet is funded at 10:00; a withdrawal dated 09:00 is slipped in. Today's balance is
    fine (200), but at 09:00 the wallet stood at -300: verify() reports the lowest point."""
    ledger.post(session, key="credit", currency="CNY", memo="", occurred_at=at(2),
                legs=[Leg(chart.cash, 500), Leg(chart.wallet_a, -500)])  # fmt: skip
    raw_transaction(session, "bad:backdated", "CNY", 1, [(chart.wallet_a, 300), (chart.cash, -300)])
    assert ledger.normal_balance(session, chart.wallet_a) == 200
    violations = verify(session)
    assert [(v.check, v.ref, v.message) for v in violations] == [
        ("non-negative", "wallet:member:1:CNY", "account wallet:member:1:CNY went down to -300")
    ]


def test_a_backdated_draw_that_post_accepts_is_reported_by_verify(session, chart):
    """post() checks the balance after the movement, not at every instant before it: a draw dated
    before the money arrived is written, and verify() (time order) reports it."""
    ledger.post(session, key="credit", currency="CNY", memo="", occurred_at=at(2),
                legs=[Leg(chart.cash, 500), Leg(chart.wallet_a, -500)])  # fmt: skip
    ledger.post(session, key="early-draw", currency="CNY", memo="", occurred_at=at(1),
                legs=[Leg(chart.wallet_a, 300), Leg(chart.cash, -300)])  # fmt: skip
    assert [v.message for v in verify(session)] == ["account wallet:member:1:CNY went down to -300"]


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL refuses these writes (tests/ledger/test_postgres.py)")
@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE ledger_postings SET amount_minor = amount_minor + 1 WHERE id = :posting",
         ["transaction-balances", "zero-sum"]),
        ("DELETE FROM ledger_postings WHERE id = :posting", ["transaction-balances", "zero-sum"]),
        ("DELETE FROM ledger_postings WHERE transaction_id = :transaction", ["transaction-balances"]),
        ("UPDATE ledger_transactions SET currency = 'USD' WHERE id = :transaction", ["one-currency"]),
    ],
)  # fmt: skip
def test_sqlite_changes_behind_the_library_are_found(session, chart, sql, expected):
    first = deposit(session, chart, chart.held_a, 5000, 0, "deposit:1")
    session.execute(text(sql), {"posting": first.postings[0].id, "transaction": first.id})
    assert checks_of(verify(session)) == expected


# --- flask ledger verify ------------------------------------------------------------------------


@pytest.fixture
def file_app(tmp_path):
    """An app on its own SQLite file: the CLI reads what was committed, not a test's savepoint."""
    app = create_app(test_settings(f"sqlite:///{tmp_path / 'books.db'}", tmp_path / "instance"))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_flask_ledger_verify_exits_1_and_lists_every_violation(file_app):
    runner = file_app.test_cli_runner()
    with file_app.app_context():
        # codes of our own: the habits checks (processor cash vs payments) leave these alone
        chart = open_chart(db.session, prefix="t:")
        deposit(db.session, chart, chart.held_a, 5000, 0, "deposit:1")
        ledger.post(db.session, key="credit", currency="CNY", memo="", occurred_at=at(2),
                    legs=[Leg(chart.cash, 500), Leg(chart.wallet_a, -500)])  # fmt: skip
        db.session.commit()
        chart = SimpleNamespace(**{name: SimpleNamespace(id=a.id) for name, a in vars(chart).items()})

    clean = runner.invoke(args=["ledger", "verify"])
    assert clean.exit_code == 0, clean.output
    assert "ledger verify: 2 transactions, 4 postings, 9 accounts, 0 violations" in clean.output

    with file_app.app_context():
        session = db.session
        first = session.scalar(text("SELECT id FROM ledger_transactions WHERE key = 'deposit:1'"))
        raw_postings(session, first, [(chart.cash, 5)])
        raw_transaction(session, "bad:currency", "CNY", 3, [(chart.cash, 100), (chart.wallet_usd, -100)])
        raw_transaction(session, "bad:backdated", "CNY", 1, [(chart.wallet_a, 300), (chart.cash, -300)])
        session.commit()
        expected = verify_report(session)
        session.rollback()

    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1] == expected.summary()
    assert "4 transactions, 9 postings" in lines[-1]
    listed = "\n".join(lines[:-1])
    assert "transaction-balances: transaction 1 (deposit:1) sums to 5" in listed
    assert "one-currency: posting" in listed and "bad:currency" in listed
    assert "non-negative: account t:wallet:member:1:CNY went down to -300" in listed
    assert "zero-sum: all CNY accounts sum to" in listed
    assert len(lines) - 1 == len(expected.violations)
