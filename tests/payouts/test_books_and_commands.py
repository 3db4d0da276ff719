"""`flask ledger verify` and `flask payments reconcile` know payouts; `flask admin` makes the
people who decide them."""

from __future__ import annotations

from sqlalchemy import select, update

import ledger
from habits import books
from habits.domain.payouts import PayoutStatus
from habits.models import Member
from habits.models.payout import Payout
from habits.payments.reconcile import paid_payouts_to_match, reconcile, view_from_events
from habits.services import payouts
from habits.services.payout_checks import check_payouts
from habits.services.processor_cash import check_processor_cash
from tests.factories import PASSWORD, make_member
from tests.payments.helpers import violations
from tests.payouts.helpers import CCY


def paid_payout(session, money, amount=300, reference="ICBC 2026-0042") -> Payout:
    payout = payouts.request_payout(
        session, money.winner, amount_minor=amount, currency=CCY, destination="bank", now=money.now
    )
    payouts.approve_payout(session, payout.id, admin=money.admin, password=PASSWORD, now=money.now)
    payouts.mark_paid(session, payout.id, admin=money.admin, reference=reference, now=money.now)
    session.commit()
    return payout


def test_processor_cash_is_payments_less_refunds_disputes_and_paid_payouts(session, money):
    paid_payout(session, money)
    assert check_processor_cash(session) == []
    assert check_payouts(session) == []
    assert reconcile(session, view_from_events(session)) == []


def test_reconcile_lists_the_paid_payouts_for_the_operator_to_match_with_the_bank(session, money):
    payout = paid_payout(session, money)
    (listed,) = paid_payouts_to_match(session)
    assert (listed.payout_id, listed.amount_minor, listed.currency, listed.reference) == (
        payout.id,
        300,
        CCY,
        "ICBC 2026-0042",
    )
    assert str(listed).startswith(f"payout {payout.id}: 3.00 CNY to member {money.winner.id}, paid at 2026-")


def test_a_payout_marked_paid_without_its_ledger_transaction_is_found(session, money):
    payout = payouts.request_payout(
        session, money.winner, amount_minor=100, currency=CCY, destination="bank", now=money.now
    )
    session.commit()
    session.execute(update(Payout).where(Payout.id == payout.id).values(status=PayoutStatus.PAID))
    session.commit()
    found = {v.check for v in violations(session)}
    assert {"payouts", "processor_cash"} <= found
    differences = {d.kind for d in reconcile(session, view_from_events(session))}
    assert {"payout not out of processor cash", "processor cash total differs"} <= differences


def test_money_moved_through_payouts_pending_by_anything_but_a_payout_is_found(session, money):
    purse = books.open_account(session, books.wallet(money.winner.id, CCY))
    held_for_payout = books.open_account(session, books.payouts_pending(money.winner.id, CCY))
    ledger.post(
        session,
        key="test:sideways:1",
        currency=CCY,
        legs=[ledger.Leg(purse, 50), ledger.Leg(held_for_payout, -50)],
        memo="test: not a payout",
        occurred_at=money.now,
    )
    session.commit()
    (violation,) = check_payouts(session)
    assert violation.ref == "test:sideways:1"


def test_the_commands_verify_and_list_paid_payouts(app, session, money):
    payout = paid_payout(session, money)
    runner = app.test_cli_runner()
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "1 paid payout(s)" in result.output and f"payout {payout.id}: 3.00 CNY" in result.output
    assert "reference ICBC 2026-0042" in result.output and "no differences" in result.output


def test_flask_admin_grants_and_revokes(app, session):
    member = make_member(session, email="Ops@Example.test".lower())
    runner = app.test_cli_runner()
    granted = runner.invoke(args=["admin", "grant", " OPS@example.test "])
    assert granted.exit_code == 0 and "ops@example.test is a site administrator" in granted.output
    session.expire_all()
    assert session.get(Member, member.id).is_admin
    assert "ops@example.test" in runner.invoke(args=["admin", "list"]).output
    revoked = runner.invoke(args=["admin", "revoke", "ops@example.test"])
    assert revoked.exit_code == 0 and "is not a site administrator" in revoked.output
    session.expire_all()
    assert not session.scalar(select(Member.is_admin).where(Member.id == member.id))
    unknown = runner.invoke(args=["admin", "grant", "nobody@example.test"])
    assert unknown.exit_code == 1 and "No member is registered with nobody@example.test" in unknown.output
