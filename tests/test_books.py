"""habits.books: every code and key it builds reads back to what built it, its SQL builders write
the same strings as its Python ones, and no other module writes a code or key format."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import BigInteger, String, literal, select, union_all

from habits import books
from habits.books import CodeKind, DisputeStep, KeyKind, OpenStep, PayoutStep, SettleStep

ROOT = Path(__file__).resolve().parents[1]

ids = st.integers(min_value=0, max_value=2**63 - 1)
#: a processor id: ``pi_``, ``ch_``, ``re_``, ``dp_`` and letters, digits, underscores
refs = st.from_regex(r"(pi|ch|re|dp)_[A-Za-z0-9_]{1,30}", fullmatch=True)
currencies = st.from_regex(r"[A-Z]{3}", fullmatch=True)


# -- keys ------------------------------------------------------------------------------------------


def _key_cases(n: int, ref: str, ccy: str):
    """(key, expected ParsedKey fields) for every builder of keys."""
    yield books.deposit_key(n), {"kind": KeyKind.DEPOSIT, "enrollment_id": n}
    yield books.late_payment_key(ref), {"kind": KeyKind.LATE_PAYMENT, "ref": ref}
    yield books.quit_before_start_key(n), {"kind": KeyKind.QUIT_BEFORE_START, "enrollment_id": n}
    yield books.withdrawal_key(n, ref), {"kind": KeyKind.WITHDRAWAL, "withdrawal_id": n, "ref": ref}
    yield books.refund_key(ref), {"kind": KeyKind.REFUND, "ref": ref}
    yield books.refund_failed_key(ref), {"kind": KeyKind.REFUND_FAILED, "ref": ref}
    yield books.refund_reversed_key(ref), {"kind": KeyKind.REFUND_REVERSED, "ref": ref}
    # a refused refund names the refund's own key, itself a key with colons
    refused = books.withdrawal_key(n, ref)
    yield books.refund_refused_key(refused), {"kind": KeyKind.REFUND_REFUSED, "ref": refused}
    yield books.outside_refund_key(ref), {"kind": KeyKind.OUTSIDE_REFUND, "ref": ref}
    for step in DisputeStep:
        yield books.dispute_key(ref, step), {"kind": KeyKind.DISPUTE, "ref": ref, "part": step}
    for step in OpenStep:
        yield books.open_key(n, step), {"kind": KeyKind.OPEN, "challenge_id": n, "part": step}
    for step in SettleStep:
        fields = {"kind": KeyKind.SETTLE, "challenge_id": n, "day_index": n % 400, "part": step}
        yield books.settle_key(n, n % 400, step), fields
    for step in PayoutStep:
        yield books.payout_key(n, step), {"kind": KeyKind.PAYOUT, "payout_id": n, "part": step}


@given(n=ids, ref=refs, ccy=currencies)
def test_every_key_reads_back_to_what_built_it(n, ref, ccy):
    for key, fields in _key_cases(n, ref, ccy):
        parsed = books.parse_key(key)
        expected = books.ParsedKey(key=key, **fields)
        assert parsed == expected, key
        # ... and the format rebuilds the very same key from what was read
        named = {f: getattr(parsed, f) for f in books.KEY_FORMATS[parsed.kind].fields}
        assert books.KEY_FORMATS[parsed.kind].build(**named) == key


def test_the_cases_above_cover_every_kind_and_step():
    cases = list(_key_cases(7, "pi_1", "CNY"))
    assert {fields["kind"] for _, fields in cases} == set(books.KEY_FORMATS)
    steps = {fields.get("part") for _, fields in cases} - {None}
    assert steps == {*DisputeStep, *OpenStep, *SettleStep, *PayoutStep}


@pytest.mark.parametrize(
    "key",
    [
        "", "settle", "settle:1:2", "settle:1:2:returns", "settle:1:2:split", "settle:x:2:winners",
        "settle:1:-2:rest", "open:1:late", "deposit:", "deposit:x", "deposit:1:2", "dispute:dp_1:maybe",
        "stripe:evt_1", "bench:post:3", "withdrawal:x:ch_1", "refund:", "test:return:5",
    ],
)  # fmt: skip
def test_a_key_no_format_matches_is_unknown_not_an_error(key):
    parsed = books.parse_key(key)
    assert parsed.kind == KeyKind.UNKNOWN and parsed.key == key
    assert parsed.move == (KeyKind.UNKNOWN, None)


def test_a_quit_before_day_zero_is_told_from_a_withdrawal_of_the_same_shape():
    assert books.parse_key("withdrawal:5:before-start").kind == KeyKind.QUIT_BEFORE_START
    assert books.parse_key("withdrawal:5:ch_before").kind == KeyKind.WITHDRAWAL


def test_prefixes_and_like_patterns():
    assert books.settle_key(12, 3, SettleStep.WINNERS).startswith(books.settle_prefix(12, 3))
    assert books.settle_key(12, 3, SettleStep.WINNERS).startswith(books.settle_prefix(12))
    assert not books.settle_key(120, 3, SettleStep.WINNERS).startswith(books.settle_prefix(12))
    assert books.settle_like(12) == books.settle_prefix(12) + "%"
    assert books.settle_like() == books.settle_prefix() + "%"


# -- codes -----------------------------------------------------------------------------------------


def _code_cases(n: int, ccy: str):
    yield books.processor_cash(ccy), {"kind": CodeKind.PROCESSOR_CASH, "currency": ccy}
    yield books.held_deposit(n, ccy), {"kind": CodeKind.HELD, "enrollment_id": n}
    yield books.wallet(n, ccy), {"kind": CodeKind.WALLET, "member_id": n, "currency": ccy}
    yield books.pot(n, ccy), {"kind": CodeKind.POT, "challenge_id": n}
    yield books.refunds_pending(n, ccy), {"kind": CodeKind.REFUNDS_PENDING, "member_id": n, "currency": ccy}
    yield books.frozen_deposit(n, ccy), {"kind": CodeKind.FROZEN, "enrollment_id": n}
    yield books.fee_revenue(ccy), {"kind": CodeKind.FEE_REVENUE, "currency": ccy}
    yield books.unclaimed_revenue(ccy), {"kind": CodeKind.UNCLAIMED_REVENUE, "currency": ccy}
    yield books.payouts_pending(n, ccy), {"kind": CodeKind.PAYOUTS_PENDING, "member_id": n, "currency": ccy}


@given(n=ids, ccy=currencies)
def test_every_code_reads_back_to_what_built_it(n, ccy):
    for spec, fields in _code_cases(n, ccy):
        assert spec.currency == ccy
        assert books.parse_code(spec.code) == books.ParsedCode(code=spec.code, **fields)


def test_the_code_cases_cover_every_kind_and_what_may_go_negative():
    cases = list(_code_cases(7, "CNY"))
    assert {fields["kind"] for _, fields in cases} == set(books.CODE_FORMATS)
    negative_allowed = {fields["kind"] for spec, fields in cases if not spec.non_negative}
    # SPEC: an account of a member or a challenge never goes negative; the platform's may
    assert negative_allowed == {CodeKind.PROCESSOR_CASH, CodeKind.FEE_REVENUE, CodeKind.UNCLAIMED_REVENUE}


@pytest.mark.parametrize("code", ["", "wallet:member:7", "wallet:7:CNY", "pot:challenge:x", "cash"])
def test_a_code_no_format_matches_is_unknown(code):
    assert books.parse_code(code) == books.ParsedCode(CodeKind.UNKNOWN, code)


# -- the SQL builders write the same strings ---------------------------------------------------------


#: (n, k, m, ccy), in order of m
ROWS = [(0, 0, 1, "USD"), (12, 3, 7, "CNY"), (1234567890123, 399, 98765, "JPY")]


def test_the_sql_builders_write_what_the_python_builders_write(session):
    v = union_all(
        *(
            select(
                literal(n, BigInteger).label("n"), literal(k, BigInteger).label("k"),
                literal(m, BigInteger).label("m"), literal(ccy, String).label("ccy"),
            )
            for n, k, m, ccy in ROWS
        )
    ).subquery("v")  # fmt: skip
    expressions = {
        "deposit": books.deposit_key_sql(v.c.n),
        "held": books.held_code_sql(v.c.n),
        "wallet": books.wallet_code_sql(v.c.m, v.c.ccy),
        "wallet_fixed_currency": books.wallet_code_sql(v.c.m, "CNY"),
        "pot": books.pot_code_sql(v.c.n),
        "frozen": books.frozen_code_sql(v.c.n),
        "fee": books.fee_code_sql(v.c.ccy),
        "prefix": books.settle_prefix_sql(v.c.n, v.c.k),
        **{f"settle_{step}": books.settle_key_sql(v.c.n, v.c.k, step) for step in SettleStep},
    }
    rows = (
        session.execute(select(*(e.label(name) for name, e in expressions.items())).order_by(v.c.m))
        .mappings()
        .all()
    )
    assert len(rows) == len(ROWS)
    for row, (n, k, m, ccy) in zip(rows, ROWS, strict=True):
        got = row
        assert got["deposit"] == books.deposit_key(n)
        assert got["held"] == books.held_deposit(n, ccy).code
        assert got["wallet"] == books.wallet(m, ccy).code
        assert got["wallet_fixed_currency"] == books.wallet(m, "CNY").code
        assert got["pot"] == books.pot(n, ccy).code
        assert got["frozen"] == books.frozen_deposit(n, ccy).code
        assert got["fee"] == books.fee_revenue(ccy).code
        assert got["prefix"] == books.settle_prefix(n, k)
        for step in SettleStep:
            assert got[f"settle_{step}"] == books.settle_key(n, k, step)


def test_the_like_patterns_match_exactly_their_codes_and_keys(session):
    def like(text, pattern) -> bool:
        return bool(session.scalar(select(literal(text, String).like(pattern))))

    assert like(books.wallet(1, "CNY").code, books.wallets_like(1))
    assert like(books.wallet(1, "USD").code, books.wallets_like(1))
    assert not like(books.wallet(12, "CNY").code, books.wallets_like(1))
    assert not like(books.refunds_pending(1, "CNY").code, books.wallets_like(1))
    assert like(books.processor_cash("CNY").code, books.processor_cash_like())
    assert like(books.payouts_pending(1, "CNY").code, books.payouts_pending_like())
    assert not like(books.refunds_pending(1, "CNY").code, books.payouts_pending_like())
    assert like(books.payout_key(3, PayoutStep.PAID), books.payout_like())
    assert not like(books.refund_key("re_1"), books.payout_like())
    assert not like(books.fee_revenue("CNY").code, books.processor_cash_like())
    assert like(books.settle_key(4, 2, SettleStep.REST), books.settle_like(4))
    assert like(books.settle_key(4, 2, SettleStep.REST), books.settle_like(4, 2))
    assert not like(books.settle_key(4, 21, SettleStep.REST), books.settle_like(4, 2))
    assert not like(books.settle_key(41, 2, SettleStep.REST), books.settle_like(4))
    assert not like(books.open_key(4, OpenStep.EARLY_QUITS), books.settle_like(4))
    sql_like = books.settle_like_sql(literal(4, BigInteger), literal(2, BigInteger))
    assert session.scalar(select(literal(books.settle_key(4, 2, SettleStep.WINNERS)).like(sql_like)))
    assert not session.scalar(select(literal(books.settle_key(4, 20, SettleStep.WINNERS)).like(sql_like)))


# -- the guard: no code or key format outside books ------------------------------------------------------

#: where a format must not be written: the product, the ledger, the benchmarks (books itself aside)
GUARDED = ["habits", "ledger", "bench"]
#: a format's first segment and ``:``, not inside a longer word (``bench:wallet:`` is the ledger
#: benchmark's own vocabulary) and not followed by a space (prose: "kept in the wallet: ...")
FORMAT = re.compile(
    r"(?<![\w:-])(?:"
    + "|".join(re.escape(h) for h in sorted(books.HEADS, key=len, reverse=True))
    + r"):(?!\s)"
)


def _documentation(tree: ast.AST) -> set[int]:
    """ids of the string constants that are documentation: docstrings and bare string statements."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def format_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant in ``source`` that writes a code or key format."""
    tree = ast.parse(source)
    docs = _documentation(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docs
        and FORMAT.search(node.value)
    ]


def test_no_module_but_books_writes_a_code_or_key_format():
    found = []
    for top in GUARDED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if (ROOT / "habits" / "books") in path.parents:
                continue
            for line, text in format_literals(path.read_text()):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert found == [], "ask habits.books instead of writing these:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'key = f"settle:{ch}:{k}:winners"',
        'key = f"open:{ch}:late-deposits"',
        'deposit_key = literal("deposit:") + cast(e.c.id, String)',
        'query.where(Account.code.like("processor_cash:%"))',
        'query.where(Account.code.like(f"wallet:member:{member.id}:%"))',
        "sql = \" WHERE e.challenge_id = :ch AND a.code = 'held:enrollment:' || e.id\"",
        'explained.add(f"dispute:{dispute.dispute_id}:lost")',
        'k = f"refund-refused:{refund.key}"',
        'pot = _code("pot:challenge:", e.c.challenge_id)',
        'parts = key.split(":"); ok = parts[0] == "stripe-late" or key.startswith("frozen:")',
    ],
)
def test_the_guard_catches_a_format_written_by_hand(source):
    assert format_literals(source)


@pytest.mark.parametrize(
    "source",
    [
        '"""Keys such as ``settle:{ch}:{k}:winners`` are built by habits.books."""',
        'def f():\n    """``deposit:{id}`` funds the held deposit."""\n',
        'log.warning("stripe: could not %s: %s", what, error)',
        'memo = f"{what}: {refund.key}"',
        'code = f"bench:wallet:{i}"',
        "# a comment: settle:1:2:rest\nx = 1",
        'flash("Your deposit: kept in your wallet: ask the organizer")',
    ],
)
def test_the_guard_leaves_documentation_and_other_colons_alone(source):
    assert format_literals(source) == []
