"""SPEC "Money rules freeze": an organizer may cancel a challenge before day 0, and a challenge
cancelled before day 0 returns every deposit to its wallet (one ledger transaction, the key day 0's
own cancellation uses); the books verify clean afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

import ledger
from habits import books
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import ChallengeStatus, Community, Role
from habits.services import challenges
from habits.services.deposits import ReceivedPayment, record_payment
from habits.services.enrollments import withdraw
from habits.services.errors import Forbidden
from habits.services.settlement import settle_due_days
from tests.factories import (
    add_to_community,
    at_local,
    make_challenge,
    make_community,
    make_enrollment,
    make_member,
)
from tests.settlement.helpers import assert_books_clean, balance_of, money
from tests.timehelpers import travel

S = EnrollmentStatus


@pytest.fixture
def organizer(session):
    return make_member(session, display_name="Olivia Organizer")


@pytest.fixture
def challenge(session, organizer):
    community = make_community(session, organizer)
    return make_challenge(session, community, days=5, deposit_minor=5000, min_participants=2)


def _enroll(session, challenge, status, **overrides):
    """An enrollment (paid when active) made two days before day 1: its deposit is dated then."""
    with travel(at_local(challenge, -2, "09:00")):
        return make_enrollment(session, challenge, status=status, **overrides)


def test_cancelling_before_day_zero_returns_every_deposit_to_its_wallet(session, organizer, challenge):
    paid = [_enroll(session, challenge, S.ACTIVE) for _ in range(3)]
    unpaid = _enroll(session, challenge, S.PENDING_PAYMENT)
    before = at_local(challenge, 0, "04:59")
    assert challenges.held_deposits(session, challenge) == (3, 15000)

    challenges.cancel_challenge(session, challenge, organizer, now=before)
    session.commit()

    session.refresh(challenge)
    assert (challenge.status, challenge.next_due_at) == (ChallengeStatus.CANCELLED, None)
    for enrollment in paid:
        session.refresh(enrollment)
        assert enrollment.status == S.CANCELLED
        assert balance_of(session, enrollment.wallet_account_id) == 5000
        assert money(session, enrollment)["held_minor"] == 0
        assert money(session, enrollment)["returned_minor"] == 5000
    session.refresh(unpaid)
    assert unpaid.status == S.CANCELLED
    refund = session.scalar(
        select(ledger.LedgerTransaction).where(
            ledger.LedgerTransaction.key == books.open_key(challenge.id, books.OpenStep.CANCEL_REFUNDS)
        )
    )
    assert refund is not None and refund.occurred_at == before
    assert challenges.held_deposits(session, challenge) == (0, 0)
    assert_books_clean(session)


def test_the_sweep_has_nothing_left_to_do_and_a_second_cancel_changes_nothing(session, organizer, challenge):
    enrollment = _enroll(session, challenge, S.ACTIVE)
    challenges.cancel_challenge(session, challenge, organizer, now=at_local(challenge, -1, "12:00"))
    session.commit()
    challenges.cancel_challenge(session, challenge, organizer, now=at_local(challenge, -1, "13:00"))
    session.commit()
    result = settle_due_days(session, now=at_local(challenge, 4, "08:00"), commit=session.commit)
    assert (result.opened, result.cancelled, result.settled, result.failed) == ([], [], [], [])
    assert balance_of(session, enrollment.wallet_account_id) == 5000
    assert_books_clean(session)


def test_a_deposit_that_arrives_after_the_cancellation_goes_to_the_wallet(session, organizer, challenge):
    waiting = _enroll(session, challenge, S.PENDING_PAYMENT, payment_intent_id="pi_after_cancel")
    cancelled_at = at_local(challenge, -1, "12:00")
    challenges.cancel_challenge(session, challenge, organizer, now=cancelled_at)
    session.commit()
    paid_at = cancelled_at + timedelta(minutes=5)
    record_payment(
        session,
        ReceivedPayment(
            payment_intent_id="pi_after_cancel",
            charge_id="ch_after_cancel",
            amount_minor=5000,
            currency="CNY",
            enrollment_id=waiting.id,
            paid_at=paid_at,
            event_id="evt_after_cancel",
        ),
        now=paid_at,
    )
    session.commit()
    session.refresh(waiting)
    assert waiting.status == S.CANCELLED
    assert balance_of(session, waiting.wallet_account_id) == 5000
    assert money(session, waiting)["held_minor"] == 0
    assert_books_clean(session)


def test_a_member_who_quit_before_is_not_paid_twice(session, organizer, challenge):
    stays, quits = _enroll(session, challenge, S.ACTIVE), _enroll(session, challenge, S.ACTIVE)
    withdraw(session, quits, now=at_local(challenge, -2, "12:00"))
    session.commit()
    challenges.cancel_challenge(session, challenge, organizer, now=at_local(challenge, -1, "12:00"))
    session.commit()
    assert balance_of(session, stays.wallet_account_id) == 5000
    assert balance_of(session, quits.wallet_account_id) == 5000
    session.refresh(quits)
    assert quits.status == S.WITHDRAWN
    assert_books_clean(session)


def test_too_late_once_day_zero_opened_and_only_for_organizers(session, organizer, challenge):
    enrollment = _enroll(session, challenge, S.ACTIVE)
    member = make_member(session)
    community = session.get(Community, challenge.community_id)
    add_to_community(session, community, member)
    with pytest.raises(Forbidden):
        challenges.cancel_challenge(session, challenge, member, now=at_local(challenge, -1, "12:00"))
    session.rollback()
    co = make_member(session)
    add_to_community(session, community, co, role=Role.CO_ORGANIZER)
    with pytest.raises(challenges.CancelTooLate):
        challenges.cancel_challenge(session, challenge, co, now=at_local(challenge, 0, "05:00"))
    session.rollback()
    session.refresh(challenge)
    assert challenge.status == ChallengeStatus.ENROLLING
    assert balance_of(session, enrollment.wallet_account_id) == 0
    # a co-organizer may, before day 0
    challenges.cancel_challenge(session, challenge, co, now=at_local(challenge, -1, "12:00"))
    session.commit()
    assert balance_of(session, enrollment.wallet_account_id) == 5000
    assert_books_clean(session)
