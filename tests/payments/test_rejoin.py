"""Joining again after leaving before day 0 (SPEC): a new enrollment with its own deposit, its own
PaymentIntent and its own ledger keys, booked through the webhook path, in the offline mode and at
Stripe (localstripe); and never two live enrollments of one member in one challenge, even when
two joins race (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.domain.lifecycle import LIVE, EnrollmentStatus
from habits.models import Enrollment
from habits.payments.reconcile import reconcile, view_from_gateway
from habits.services import enrollments
from habits.services.enrollments import AlreadyEnrolled
from tests.factories import make_member
from tests.payments import test_stripe_mode
from tests.payments.helpers import (
    assert_books_clean,
    cash,
    deliver,
    held,
    now_utc,
    open_challenge,
    succeeded,
    wallet,
)
from tests.payments.test_stripe_mode import pay_with, serve_until

S = EnrollmentStatus
#: the app served on 127.0.0.1 for localstripe's webhooks (a fixture of the stripe-mode tests)
served = test_stripe_mode.served


def join(session, challenge, member, gateway):
    joined = enrollments.enroll(
        session, challenge, member, gateway=gateway, pay_from_wallet=False, now=now_utc()
    )
    session.commit()
    return joined


def leave(session, enrollment):
    enrollments.withdraw(session, enrollment, now=now_utc())
    session.commit()


def deposit_keys(session, member_id) -> list[str]:
    ids = session.scalars(select(Enrollment.id).where(Enrollment.member_id == member_id)).all()
    keys = [books.deposit_key(i) for i in ids]
    return sorted(
        session.scalars(select(ledger.LedgerTransaction.key).where(ledger.LedgerTransaction.key.in_(keys)))
    )


def test_a_second_deposit_is_booked_through_the_webhook_path(session, client, gateway):
    challenge = open_challenge(session, deposit_minor=7000)
    member = make_member(session)
    first = join(session, challenge, member, gateway).enrollment
    assert deliver(client, succeeded(first)).status_code == 200
    leave(session, first)  # before day 0: the whole deposit back to the wallet
    assert wallet(session, member.id, "CNY") == 7000

    second = join(session, challenge, member, gateway)
    again = second.enrollment
    assert again.id != first.id and again.status == S.PENDING_PAYMENT
    assert second.payment.payment_intent_id != first.payment_intent_id
    assert deliver(client, succeeded(again)).status_code == 200  # Stripe's signed event

    session.expire_all()
    assert again.status == S.ACTIVE and held(session, again) == 7000
    assert held(session, first) == 0 and wallet(session, member.id, "CNY") == 7000
    assert cash(session, "CNY") == 14000
    assert deposit_keys(session, member.id) == sorted(
        [books.deposit_key(first.id), books.deposit_key(again.id)]
    )
    assert enrollments.enrollment_of(session, challenge.id, member.id).id == again.id
    assert_books_clean(session)


def test_the_offline_mode_pays_the_new_enrollment_with_its_test_card(session, gateway):
    """The demo's test card: a signed payment_intent.succeeded through the webhook function."""
    challenge = open_challenge(session, deposit_minor=7000)
    member = make_member(session)
    first = join(session, challenge, member, gateway).enrollment
    assert gateway.confirm_payment(session, first, card="pm_card_visa", now=now_utc()).status_code == 200
    leave(session, first)
    again = join(session, challenge, member, gateway).enrollment
    assert gateway.confirm_payment(session, again, card="pm_card_visa", now=now_utc()).status_code == 200

    session.expire_all()
    assert (first.status, again.status) == (S.WITHDRAWN, S.ACTIVE)
    assert held(session, again) == 7000 and wallet(session, member.id, "CNY") == 7000
    assert len(deposit_keys(session, member.id)) == 2
    assert_books_clean(session)


def test_a_member_with_a_live_enrollment_cannot_join_again(session, gateway):
    challenge = open_challenge(session, deposit_minor=7000)
    member = make_member(session)
    first = join(session, challenge, member, gateway).enrollment
    leave(session, first)
    again = join(session, challenge, member, gateway).enrollment
    with pytest.raises(AlreadyEnrolled) as refused:
        join(session, challenge, member, gateway)
    session.rollback()
    assert refused.value.extra["enrollment_id"] == again.id
    live = session.scalar(
        select(func.count())
        .select_from(Enrollment)
        .where(Enrollment.member_id == member.id, Enrollment.status.in_(LIVE))
    )
    assert live == 1


def test_localstripe_books_the_second_deposit_on_its_own_intent(session, stripe_mode, stripe_client, served):
    challenge = open_challenge(session, deposit_minor=7000)
    member = make_member(session)
    intents = []
    for round_ in range(2):
        joined = join(session, challenge, member, stripe_mode)
        intents.append(joined.payment.payment_intent_id)
        assert pay_with(stripe_client, joined.payment.payment_intent_id, "pm_card_visa").status == "succeeded"
        enrollment = joined.enrollment
        serve_until(served, session, lambda enrollment=enrollment: enrollment.status == S.ACTIVE)
        if round_ == 0:
            leave(session, joined.enrollment)

    assert intents[0] != intents[1]
    assert len(deposit_keys(session, member.id)) == 2
    assert cash(session, "CNY") == 14000 and wallet(session, member.id, "CNY") == 7000
    assert reconcile(session, view_from_gateway(stripe_mode)) == []


@pytest.mark.postgres
def test_two_joins_at_once_leave_one_live_enrollment(app, pg_engine):
    with Session(pg_engine, expire_on_commit=False) as session:
        challenge = open_challenge(session, deposit_minor=7000)
        member = make_member(session)
        first = enrollments.join_challenge(session, challenge, member, now=now_utc())
        session.commit()
        enrollments.withdraw(session, first, now=now_utc())
        session.commit()

    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def run():
        with Session(pg_engine) as session:
            mine, who = session.get(type(challenge), challenge.id), session.get(type(member), member.id)
            barrier.wait(timeout=10)
            try:
                enrollment = enrollments.join_challenge(session, mine, who, now=datetime.now(UTC))
                session.commit()
                outcomes.append(enrollment.id)
            except AlreadyEnrolled as refused:
                session.rollback()
                outcomes.append(refused)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    joined = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, AlreadyEnrolled)]
    assert len(joined) == 1 and len(refused) == 1, outcomes
    assert refused[0].extra["enrollment_id"] == joined[0]
    with Session(pg_engine) as session:
        rows = session.execute(
            select(Enrollment.id, Enrollment.status)
            .where(Enrollment.member_id == member.id)
            .order_by(Enrollment.id)
        ).all()
    assert [tuple(r) for r in rows] == [(first.id, S.WITHDRAWN), (joined[0], S.PENDING_PAYMENT)]
