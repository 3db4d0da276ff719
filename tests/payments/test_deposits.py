"""start_deposit: a PaymentIntent for the card, or the deposit straight from the wallet."""

from __future__ import annotations

import pytest

import ledger
from habits import books
from habits.domain.lifecycle import EnrollmentStatus
from habits.services import deposits
from habits.services.wallets import NotEnoughInWallet
from tests.factories import make_enrollment, make_member
from tests.payments.helpers import held, now_utc, open_challenge, wallet


def fund_wallet(session, member, amount, currency, key):
    cash = books.open_account(session, books.processor_cash(currency))
    purse = books.open_account(session, books.wallet(member.id, currency))
    ledger.post(
        session,
        key=key,
        currency=currency,
        legs=[ledger.Leg(cash, amount), ledger.Leg(purse, -amount)],
        memo="test: money in the wallet",
        occurred_at=now_utc(),
    )
    session.commit()


def test_start_deposit_creates_a_unique_offline_intent_and_stores_it(session, gateway):
    challenge = open_challenge(session)
    first, second = make_enrollment(session, challenge), make_enrollment(session, challenge)

    a = deposits.start_deposit(session, first, gateway=gateway, pay_from_wallet=False, now=now_utc())
    b = deposits.start_deposit(session, second, gateway=gateway, pay_from_wallet=False, now=now_utc())

    assert a.payment_intent_id.startswith("pi_offline_") and a.payment_intent_id != b.payment_intent_id
    assert first.payment_intent_id == a.payment_intent_id
    assert a.offline_confirm_url == f"/api/v1/payments/offline/{a.payment_intent_id}/confirm"
    assert a.client_secret.startswith(a.payment_intent_id + "_secret_")
    assert first.status == EnrollmentStatus.PENDING_PAYMENT


def test_asking_twice_returns_the_same_intent(session, gateway):
    enrollment = make_enrollment(session, open_challenge(session))
    a = deposits.start_deposit(session, enrollment, gateway=gateway, pay_from_wallet=False, now=now_utc())
    b = deposits.start_deposit(session, enrollment, gateway=gateway, pay_from_wallet=False, now=now_utc())
    assert a == b


def test_pay_from_wallet_moves_the_deposit_to_held_and_activates(session, gateway):
    challenge = open_challenge(session, deposit_minor=7000)
    member = make_member(session)
    fund_wallet(session, member, 9000, challenge.currency, "test:fund")
    enrollment = make_enrollment(session, challenge, member)

    result = deposits.start_deposit(session, enrollment, gateway=gateway, pay_from_wallet=True, now=now_utc())

    assert result is None
    assert enrollment.status == EnrollmentStatus.ACTIVE and enrollment.paid_from_wallet
    assert enrollment.payment_intent_id is None
    assert held(session, enrollment) == 7000
    assert wallet(session, member.id, challenge.currency) == 2000


def test_pay_from_a_short_wallet_is_refused_with_what_it_holds(session, gateway):
    challenge = open_challenge(session, deposit_minor=7000)
    member = make_member(session)
    fund_wallet(session, member, 6999, challenge.currency, "test:fund-short")
    enrollment = make_enrollment(session, challenge, member)

    with pytest.raises(NotEnoughInWallet) as refused:
        deposits.start_deposit(session, enrollment, gateway=gateway, pay_from_wallet=True, now=now_utc())

    assert refused.value.status == 409
    assert refused.value.extra["available_minor"] == 6999
    assert refused.value.code == "not_enough_in_wallet"
    session.rollback()
    assert enrollment.status == EnrollmentStatus.PENDING_PAYMENT
    assert held(session, enrollment) == 0 and wallet(session, member.id, challenge.currency) == 6999


def test_no_deposit_is_due_on_an_active_enrollment(session, gateway):
    enrollment = make_enrollment(session, open_challenge(session), status=EnrollmentStatus.ACTIVE)
    with pytest.raises(deposits.DepositNotDue):
        deposits.start_deposit(session, enrollment, gateway=gateway, pay_from_wallet=False, now=now_utc())


def test_no_deposit_after_enrollment_closed(session, gateway):
    challenge = open_challenge(session)
    enrollment = make_enrollment(session, challenge)
    with pytest.raises(deposits.EnrollmentClosed):
        deposits.start_deposit(
            session, enrollment, gateway=gateway, pay_from_wallet=False, now=challenge.day_zero_opens_at
        )
