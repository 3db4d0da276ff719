"""Payouts through the services: what a member may ask for, each decision's money to the cent,
the audit log, and the books (``ledger verify`` and the reconciliation) clean after each story."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

import ledger
from habits import books
from habits.books import PayoutStep
from habits.domain.payouts import PayoutAction, PayoutStatus, payout_ceiling
from habits.models.payout import Payout, PayoutEvent
from habits.services import deposits, payouts, withdrawals
from habits.services.errors import InvalidInput, NotFound
from habits.services.payouts import (
    AdminPasswordWrong,
    OwnPayout,
    PayoutAlreadyDecided,
    PayoutNotApproved,
    PayoutOverCeiling,
    PayoutWalletShort,
)
from tests.factories import PASSWORD, make_challenge, make_enrollment, make_member
from tests.payments.helpers import assert_books_clean
from tests.payouts.helpers import CCY, DEPOSIT, cash, pending, wallet


def ask(session, money, amount, destination="Alipay 138 0000 0000"):
    payout = payouts.request_payout(
        session, money.winner, amount_minor=amount, currency=CCY, destination=destination, now=money.now
    )
    session.commit()
    return payout


def approve(session, money, payout, password=PASSWORD):
    done = payouts.approve_payout(session, payout.id, admin=money.admin, password=password, now=money.now)
    session.commit()
    return done


def events_of(session, payout) -> list[PayoutEvent]:
    query = select(PayoutEvent).where(PayoutEvent.payout_id == payout.id).order_by(PayoutEvent.id)
    return list(session.scalars(query))


def actions(session, payout) -> list[tuple[str, int]]:
    return [(event.action.value, event.actor_id) for event in events_of(session, payout)]


def payout_transactions(session) -> list[str]:
    T = ledger.LedgerTransaction
    return sorted(session.scalars(select(T.key).where(T.key.like(books.payout_like()))))


def test_the_winner_holds_a_stake_cards_can_take_back_and_winnings_only_a_payout_can(session, money):
    assert wallet(session, money.winner.id) == 2 * DEPOSIT
    limits = payouts.payout_limits(session, money.winner.id, CCY, now=money.now)
    assert (limits.available_minor, limits.refundable_minor, limits.ceiling_minor) == (600, 300, 300)
    assert_books_clean(session)


def test_request_approve_paid_moves_the_money_to_the_cent_and_keeps_the_books_clean(session, money):
    cash_before = cash(session)
    payout = ask(session, money, 300)
    # asking moves nothing
    assert (payout.status, wallet(session, money.winner.id), pending(session, money.winner.id)) == (
        PayoutStatus.REQUESTED,
        600,
        0,
    )
    assert payout_transactions(session) == []
    assert_books_clean(session)

    approve(session, money, payout)
    assert (wallet(session, money.winner.id), pending(session, money.winner.id), cash(session)) == (
        300,
        300,
        cash_before,
    )
    assert_books_clean(session)

    payouts.mark_paid(session, payout.id, admin=money.admin, reference="ICBC 2026-0042", now=money.now)
    session.commit()
    assert (wallet(session, money.winner.id), pending(session, money.winner.id), cash(session)) == (
        300,
        0,
        cash_before - 300,
    )
    assert payout.status == PayoutStatus.PAID and payout.reference == "ICBC 2026-0042"
    assert payout_transactions(session) == [
        books.payout_key(payout.id, PayoutStep.APPROVE),
        books.payout_key(payout.id, PayoutStep.PAID),
    ]
    winner, admin = money.winner.id, money.admin.id
    assert actions(session, payout) == [("request", winner), ("approve", admin), ("pay", admin)]
    assert_books_clean(session)
    # the rest of the wallet is the card's: a withdrawal refunds it, and the books still agree
    withdrawal = withdrawals.request_withdrawal(
        session, money.winner, amount_minor=300, currency=CCY, now=money.now
    )
    assert withdrawal.kept_minor == 0


def test_refusing_a_request_moves_nothing_and_refusing_an_approved_one_gives_it_back(session, money):
    cash_before = cash(session)
    first = ask(session, money, 100)
    payouts.refuse_payout(session, first.id, admin=money.admin, reason="Which bank is that?", now=money.now)
    session.commit()
    assert first.status == PayoutStatus.REFUSED and payout_transactions(session) == []
    assert wallet(session, money.winner.id) == 600

    second = ask(session, money, 200)
    approve(session, money, second)
    assert (wallet(session, money.winner.id), pending(session, money.winner.id)) == (400, 200)
    payouts.refuse_payout(session, second.id, admin=money.admin, reason="account closed", now=money.now)
    session.commit()
    assert (wallet(session, money.winner.id), pending(session, money.winner.id), cash(session)) == (
        600,
        0,
        cash_before,
    )
    assert second.reason == "account closed"
    assert [a for a, _ in actions(session, second)] == ["request", "approve", "refuse"]
    assert books.payout_key(second.id, PayoutStep.REFUSE) in payout_transactions(session)
    assert_books_clean(session)


def test_a_member_may_ask_only_for_what_cards_cannot_take_back_less_what_is_already_asked(session, money):
    with pytest.raises(PayoutOverCeiling) as over:
        ask(session, money, 301)
    session.rollback()
    assert over.value.extra == {
        "ceiling_minor": 300,
        "available_minor": 600,
        "refundable_minor": 300,
        "requested_minor": 0,
        "currency": CCY,
    }
    ask(session, money, 250)
    with pytest.raises(PayoutOverCeiling) as over:
        ask(session, money, 51)
    session.rollback()
    assert over.value.extra["requested_minor"] == 250 and over.value.extra["ceiling_minor"] == 50
    ask(session, money, 50)
    # the loser holds nothing; a member with nothing may ask for nothing
    with pytest.raises(PayoutOverCeiling):
        payouts.request_payout(
            session, money.loser, amount_minor=1, currency=CCY, destination="x", now=money.now
        )


def test_the_ceiling_is_never_negative():
    assert payout_ceiling(available_minor=100, refundable_minor=300, requested_minor=0) == 0
    assert payout_ceiling(available_minor=600, refundable_minor=300, requested_minor=400) == 0
    assert payout_ceiling(available_minor=600, refundable_minor=300, requested_minor=100) == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_minor": 0}, "amount_minor"),
        ({"destination": "   "}, "destination"),
        ({"destination": "x" * 501}, "destination"),
        ({"currency": "cny"}, "currency"),
    ],
)
def test_bad_requests_name_their_field(session, money, changes, field):
    values = {"amount_minor": 100, "currency": CCY, "destination": "bank", **changes}
    with pytest.raises(InvalidInput) as refused:
        payouts.request_payout(session, money.winner, now=money.now, **values)
    assert list(refused.value.errors) == [field]


def test_a_wrong_password_approves_nothing(session, money):
    payout = ask(session, money, 100)
    with pytest.raises(AdminPasswordWrong) as refused:
        approve(session, money, payout, password="not my password")
    session.rollback()
    assert refused.value.errors["password"][0].code == "current_password_wrong"
    session.refresh(payout)
    assert payout.status == PayoutStatus.REQUESTED and payout_transactions(session) == []


def test_a_retried_decision_posts_nothing_twice_and_another_decision_is_refused(session, money):
    payout = ask(session, money, 100)
    approve(session, money, payout)
    approve(session, money, payout)  # a retried click
    assert wallet(session, money.winner.id) == 500
    assert [a for a, _ in actions(session, payout)] == ["request", "approve"]
    for _ in range(2):
        payouts.mark_paid(session, payout.id, admin=money.admin, reference="TX-9", now=money.now)
        session.commit()
    assert payout_transactions(session) == [
        books.payout_key(payout.id, PayoutStep.APPROVE),
        books.payout_key(payout.id, PayoutStep.PAID),
    ]
    with pytest.raises(PayoutAlreadyDecided):
        payouts.mark_paid(session, payout.id, admin=money.admin, reference="TX-10", now=money.now)
    with pytest.raises(PayoutAlreadyDecided):
        payouts.refuse_payout(session, payout.id, admin=money.admin, reason="too late", now=money.now)
    with pytest.raises(PayoutAlreadyDecided):
        approve(session, money, payout)
    session.rollback()
    assert_books_clean(session)


def test_a_payout_is_approved_before_it_is_paid(session, money):
    payout = ask(session, money, 100)
    with pytest.raises(PayoutNotApproved):
        payouts.mark_paid(session, payout.id, admin=money.admin, reference="TX", now=money.now)


def test_nobody_decides_their_own_payout_and_members_cannot_decide_at_all(session, money):
    payout = ask(session, money, 100)
    money.winner.is_admin = True
    session.commit()
    with pytest.raises(OwnPayout):
        payouts.approve_payout(session, payout.id, admin=money.winner, password=PASSWORD, now=money.now)
    session.rollback()
    member = make_member(session)
    for decide in (
        lambda: payouts.approve_payout(session, payout.id, admin=member, password=PASSWORD, now=money.now),
        lambda: payouts.refuse_payout(session, payout.id, admin=member, reason="no", now=money.now),
        lambda: payouts.mark_paid(session, payout.id, admin=member, reference="x", now=money.now),
    ):
        with pytest.raises(NotFound):
            decide()
    assert payout_transactions(session) == []


def test_an_approval_finds_the_wallet_spent_since_the_request(session, money):
    payout = ask(session, money, 300)
    # the member pays another challenge's deposit from the wallet in the meantime
    later = make_challenge(session, start_date=date(2026, 4, 1), deposit_minor=400, days=4)
    deposits.pay_deposit_from_wallet(session, make_enrollment(session, later, money.winner), now=money.now)
    session.commit()
    with pytest.raises(PayoutWalletShort) as short:
        approve(session, money, payout)
    session.rollback()
    assert short.value.extra["available_minor"] == 200 and short.value.extra["required_minor"] == 300
    payouts.refuse_payout(session, payout.id, admin=money.admin, reason="wallet spent", now=money.now)
    session.commit()
    assert session.scalar(select(Payout.status).where(Payout.id == payout.id)) == PayoutStatus.REFUSED


def test_the_audit_log_says_who_did_what_when_and_why(session, money):
    payout = ask(session, money, 100)
    payouts.approve_payout(
        session, payout.id, admin=money.admin, password=PASSWORD, note="checked the account", now=money.now
    )
    payouts.refuse_payout(session, payout.id, admin=money.admin, reason="bank refused it", now=money.now)
    session.commit()
    rows = [(e.action, e.actor_id, e.at, e.reason, e.ledger_key) for e in events_of(session, payout)]
    key = books.payout_key
    assert rows == [
        (PayoutAction.REQUEST, money.winner.id, money.now, None, None),
        (PayoutAction.APPROVE, money.admin.id, money.now, "checked the account", key(payout.id, "approve")),
        (PayoutAction.REFUSE, money.admin.id, money.now, "bank refused it", key(payout.id, "refuse")),
    ]
