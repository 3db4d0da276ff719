"""Withdrawals refund earlier deposit charges, newest first, never more than charged and not yet
refunded; what no charge can take stays in the wallet, with the reason. Refund events converge."""

from __future__ import annotations

from datetime import timedelta

import pytest

import ledger
from habits import books
from habits.domain.lifecycle import EnrollmentStatus
from habits.models.payment import EventStatus, Payment, Refund, RefundStatus
from habits.services import withdrawals
from habits.services.wallets import NotEnoughInWallet
from habits.services.withdrawals import NothingRefundable
from tests.factories import make_enrollment, make_member
from tests.payments.helpers import (
    assert_books_clean,
    cash,
    deliver,
    event,
    give_intent,
    now_utc,
    open_challenge,
    pending_refunds,
    refund_obj,
    stored,
    succeeded,
    violations,
    wallet,
)


def pay(session, client, gateway, member, *, deposit, ago, cancelled=False):
    """A deposit paid by card ``ago`` (a timedelta) before now; a cancelled one lands in the wallet."""
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=deposit), member)
    give_intent(session, enrollment, gateway, now=now_utc())
    if cancelled:
        enrollment.status = EnrollmentStatus.CANCELLED
        session.commit()
    created = int((now_utc() - ago).timestamp())
    assert deliver(client, succeeded(enrollment, created=created)).status_code == 200
    session.refresh(enrollment)
    return enrollment


def settle_back(session, enrollment, amount):
    """What settlement does on success days: held -> wallet (and the enrollment completes)."""
    held = books.open_account(session, books.held_deposit(enrollment.id, enrollment.currency))
    purse = books.open_account(session, books.wallet(enrollment.member_id, enrollment.currency))
    ledger.post(
        session,
        key=f"test:return:{enrollment.id}",
        currency=enrollment.currency,
        legs=[ledger.Leg(held, amount), ledger.Leg(purse, -amount)],
        memo="test: deposit returned",
        occurred_at=now_utc(),
    )
    enrollment.status = EnrollmentStatus.COMPLETED
    session.commit()


def win(session, client, gateway, member, amount):
    """Winnings: another member's forfeited deposit, through the pot, into ``member``'s wallet."""
    loser = pay(session, client, gateway, make_member(session), deposit=amount, ago=timedelta(hours=2))
    currency = loser.currency
    held = books.open_account(session, books.held_deposit(loser.id, currency))
    pot = books.open_account(session, books.pot(loser.challenge_id, currency))
    purse = books.open_account(session, books.wallet(member.id, currency))
    for key, legs in (
        (f"test:forfeit:{loser.id}", [ledger.Leg(held, amount), ledger.Leg(pot, -amount)]),
        (f"test:split:{loser.id}", [ledger.Leg(pot, amount), ledger.Leg(purse, -amount)]),
    ):
        ledger.post(
            session, key=key, currency=currency, legs=legs, memo="test: winnings", occurred_at=now_utc()
        )
    loser.status = EnrollmentStatus.ELIMINATED
    session.commit()


def withdraw(session, gateway, member, amount, currency="CNY"):
    """What POST /me/withdrawals does: book, commit, send, commit, deliver the offline events."""
    withdrawal = withdrawals.request_withdrawal(
        session, member, amount_minor=amount, currency=currency, now=now_utc()
    )
    session.commit()
    withdrawals.send_withdrawal_refunds(session, withdrawal.id, gateway=gateway, now=now_utc())
    session.commit()
    outcomes = gateway.after_commit(session, now=now_utc())
    assert all(o.status_code == 200 for o in outcomes), outcomes
    return withdrawal


def test_withdrawal_across_several_charges_refunds_newest_first_and_keeps_the_rest(session, client, gateway):
    member = make_member(session)
    first = pay(session, client, gateway, member, deposit=3000, ago=timedelta(days=3))
    settle_back(session, first, 3000)
    withdraw(session, gateway, member, 2500)  # only charge so far: 2500 of 3000 refunded
    second = pay(session, client, gateway, member, deposit=5000, ago=timedelta(days=2))
    settle_back(session, second, 5000)
    withdraw(session, gateway, member, 1000)  # newest charge: 1000 of 5000 refunded
    third = pay(session, client, gateway, member, deposit=2000, ago=timedelta(days=1), cancelled=True)
    win(session, client, gateway, member, 4000)
    assert wallet(session, member.id, "CNY") == 500 + 5000 - 1000 + 2000 + 4000

    withdrawal = withdraw(session, gateway, member, 10500)

    assert (withdrawal.requested_minor, withdrawal.refunded_minor, withdrawal.kept_minor) == (
        10500,
        6500,
        4000,
    )
    assert "4000 CNY minor units stay in your wallet" in withdrawal.note
    refunds = withdrawals.withdrawal_refunds(session, withdrawal)
    by_payment = [(session.get(Payment, r.payment_id).enrollment_id, r.amount_minor) for r in refunds]
    assert by_payment == [(third.id, 2000), (second.id, 4000), (first.id, 500)]
    assert all(r.status == RefundStatus.SUCCEEDED for r in refunds)
    assert all(r.key.startswith(f"withdrawal:{withdrawal.id}:ch_offline_") for r in refunds)
    assert wallet(session, member.id, "CNY") == 4000
    assert pending_refunds(session, member.id, "CNY") == 0
    assert cash(session, "CNY") == 3000 + 5000 + 2000 + 4000 - 2500 - 1000 - 6500
    assert_books_clean(session)

    with pytest.raises(NothingRefundable) as nothing:
        withdrawals.request_withdrawal(session, member, amount_minor=100, currency="CNY", now=now_utc())
    assert nothing.value.status == 409 and "stay in your wallet" in nothing.value.detail


def test_a_withdrawal_larger_than_the_wallet_is_refused(session, client, gateway):
    member = make_member(session)
    paid = pay(session, client, gateway, member, deposit=3000, ago=timedelta(hours=1), cancelled=True)
    with pytest.raises(NotEnoughInWallet) as refused:
        withdrawals.request_withdrawal(session, member, amount_minor=3001, currency="CNY", now=now_utc())
    assert refused.value.extra["available_minor"] == 3000
    assert paid.status == EnrollmentStatus.CANCELLED


@pytest.fixture
def refunded(session, client, gateway):
    """A late payment of 3000 in the wallet, 1200 of it withdrawn and sent (not yet completed)."""
    member = make_member(session)
    enrollment = pay(session, client, gateway, member, deposit=3000, ago=timedelta(hours=1), cancelled=True)
    withdrawal = withdrawals.request_withdrawal(
        session, member, amount_minor=1200, currency="CNY", now=now_utc()
    )
    session.commit()
    withdrawals.send_withdrawal_refunds(session, withdrawal.id, gateway=gateway, now=now_utc())
    session.commit()
    gateway.take_outbox()  # the test delivers the completion events itself
    refund = withdrawals.withdrawal_refunds(session, withdrawal)[0]
    assert refund.status == RefundStatus.PENDING
    return member, enrollment, refund


def refund_event(refund, status, event_type="refund.updated"):
    obj = refund_obj(refund.refund_id, _pi(refund), refund.amount_minor, refund.currency, status, refund.key)
    if event_type == "charge.refunded":
        charge = {"id": obj["charge"], "object": "charge", "payment_intent": obj["payment_intent"]}
        charge["refunds"] = {"object": "list", "data": [obj]}
        return event("charge.refunded", charge)
    return event(event_type, obj)


def _pi(refund):
    from habits.extensions import db

    return db.session.get(Payment, refund.payment_id).payment_intent_id


def test_refund_completion_arrives_three_ways_and_books_once(session, client, refunded):
    member, _, refund = refunded
    for evt in (
        refund_event(refund, "succeeded"),
        refund_event(refund, "succeeded", "charge.refunded"),
        refund_event(refund, "succeeded", "charge.refund.updated"),
    ):
        assert deliver(client, evt).status_code == 200
        assert deliver(client, evt).status_code == 200

    session.refresh(refund)
    assert refund.status == RefundStatus.SUCCEEDED
    assert cash(session, "CNY") == 3000 - 1200
    assert wallet(session, member.id, "CNY") == 1800 and pending_refunds(session, member.id, "CNY") == 0
    assert_books_clean(session)


@pytest.mark.parametrize("order", [("succeeded", "failed"), ("failed", "succeeded")])
def test_a_refund_that_fails_ends_the_same_in_either_order(session, client, refunded, order):
    member, _, refund = refunded
    for status in order:
        assert deliver(client, refund_event(refund, status)).status_code == 200

    session.refresh(refund)
    assert refund.status == RefundStatus.FAILED
    assert cash(session, "CNY") == 3000
    assert wallet(session, member.id, "CNY") == 3000 and pending_refunds(session, member.id, "CNY") == 0
    assert violations(session) == []


def test_a_refund_event_before_its_refund_is_recorded_waits_for_the_retry(session, client, refunded):
    _, _, refund = refunded
    evt = refund_event(refund, "succeeded")
    evt["data"]["object"]["id"] = "re_not_yet"
    evt["data"]["object"]["metadata"]["streakpot_key"] = "withdrawal:999999:ch_x"

    response = deliver(client, evt)

    assert response.status_code == 409
    row = stored(session, evt["id"])
    assert row.status == EventStatus.WAITING and "not recorded yet" in row.error


@pytest.mark.parametrize("refund_first", [False, True])
def test_a_dashboard_refund_before_or_after_its_payment_converges(session, client, gateway, refund_first):
    member = make_member(session)
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=3000), member)
    give_intent(session, enrollment, gateway, now=now_utc())
    enrollment.status = EnrollmentStatus.CANCELLED
    session.commit()
    pi = enrollment.payment_intent_id
    outside = event("refund.updated", refund_obj("re_dashboard", pi, 3000, "CNY", "succeeded"))
    payment = succeeded(enrollment)

    if refund_first:
        assert deliver(client, outside).status_code == 409  # waits for the payment
        assert deliver(client, payment).status_code == 200
        assert deliver(client, outside).status_code == 200  # Stripe's retry
    else:
        assert deliver(client, payment).status_code == 200
        assert deliver(client, outside).status_code == 200

    assert stored(session, outside["id"]).status == EventStatus.PROCESSED
    assert wallet(session, member.id, "CNY") == 0 and cash(session, "CNY") == 0
    assert session.query(Refund).filter_by(refund_id="re_dashboard").one().status == RefundStatus.SUCCEEDED
    assert_books_clean(session)


def test_a_refund_the_processor_refuses_goes_back_to_the_wallet(session, client, gateway, monkeypatch):
    from habits.services.ports import RefundRefused

    member = make_member(session)
    pay(session, client, gateway, member, deposit=3000, ago=timedelta(hours=1), cancelled=True)

    def refuse(**kwargs):
        raise RefundRefused("This charge has already been refunded.")

    monkeypatch.setattr(gateway, "refund", refuse)
    withdrawal = withdraw(session, gateway, member, 3000)

    refund = withdrawals.withdrawal_refunds(session, withdrawal)[0]
    assert refund.status == RefundStatus.FAILED and "already been refunded" in refund.failure_reason
    assert wallet(session, member.id, "CNY") == 3000 and cash(session, "CNY") == 3000
    assert violations(session) == []


def test_an_unreachable_processor_leaves_the_refund_requested_and_a_resend_sends_it_once(
    session, client, gateway, monkeypatch, app
):
    from habits.services.ports import GatewayUnavailable

    member = make_member(session)
    pay(session, client, gateway, member, deposit=3000, ago=timedelta(hours=1), cancelled=True)
    real_refund = gateway.refund

    def down(**kwargs):
        raise GatewayUnavailable("down")

    monkeypatch.setattr(gateway, "refund", down)
    withdrawal = withdraw(session, gateway, member, 3000)
    assert withdrawals.withdrawal_refunds(session, withdrawal)[0].status == RefundStatus.REQUESTED
    assert pending_refunds(session, member.id, "CNY") == 3000

    monkeypatch.setattr(gateway, "refund", real_refund)
    runner = app.test_cli_runner()
    assert "1 of 1 requested refund(s) sent" in runner.invoke(args=["payments", "send-refunds"]).output
    assert "0 of 0" in runner.invoke(args=["payments", "send-refunds"]).output

    assert withdrawals.withdrawal_refunds(session, withdrawal)[0].status == RefundStatus.SUCCEEDED
    assert cash(session, "CNY") == 0 and pending_refunds(session, member.id, "CNY") == 0
    assert_books_clean(session)
