"""Card disputes: suspend and freeze, then release (won) or let the money go (lost), in any order."""

from __future__ import annotations

import pytest

from habits.domain.lifecycle import EnrollmentStatus
from habits.models.payment import Dispute, DisputeStatus, EventStatus
from tests.factories import make_enrollment
from tests.payments.helpers import (
    assert_books_clean,
    cash,
    deliver,
    dispute_obj,
    event,
    frozen,
    give_intent,
    held,
    now_utc,
    open_challenge,
    stored,
    succeeded,
    violations,
    wallet,
)


@pytest.fixture
def active(session, client, gateway):
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=7000))
    give_intent(session, enrollment, gateway, now=now_utc())
    assert deliver(client, succeeded(enrollment)).status_code == 200
    session.refresh(enrollment)
    assert enrollment.status == EnrollmentStatus.ACTIVE
    return enrollment


def dispute(enrollment, event_type, status, *, dispute_id="dp_1", amount=None):
    obj = dispute_obj(
        dispute_id,
        enrollment.payment_intent_id,
        amount or enrollment.deposit_minor,
        enrollment.currency,
        status,
    )
    return event(event_type, obj)


def opened(enrollment, **kwargs):
    return dispute(enrollment, "charge.dispute.created", "needs_response", **kwargs)


def closed(enrollment, status, **kwargs):
    return dispute(enrollment, "charge.dispute.closed", status, **kwargs)


def test_a_dispute_on_an_active_enrollment_suspends_it_and_freezes_the_deposit(session, client, active):
    assert deliver(client, opened(active)).status_code == 200

    session.refresh(active)
    assert active.status == EnrollmentStatus.SUSPENDED
    assert held(session, active) == 0 and frozen(session, active) == 7000
    assert cash(session, active.currency) == 7000
    assert_books_clean(session)


def test_the_same_dispute_twice_freezes_once(session, client, active):
    first, second = opened(active), opened(active)  # two events (ids) about one dispute
    for evt in (first, second, first):
        assert deliver(client, evt).status_code == 200

    assert frozen(session, active) == 7000 and held(session, active) == 0
    assert session.query(Dispute).count() == 1


def test_a_dispute_won_unfreezes_and_restores_active(session, client, active):
    deliver(client, opened(active))
    assert deliver(client, closed(active, "won")).status_code == 200

    session.refresh(active)
    assert active.status == EnrollmentStatus.ACTIVE
    assert held(session, active) == 7000 and frozen(session, active) == 0
    assert session.query(Dispute).one().status == DisputeStatus.WON
    assert_books_clean(session)


def test_a_dispute_lost_takes_the_frozen_deposit_out_of_processor_cash(session, client, active):
    deliver(client, opened(active))
    assert deliver(client, closed(active, "lost")).status_code == 200

    session.refresh(active)
    assert active.status == EnrollmentStatus.ELIMINATED
    assert held(session, active) == 0 and frozen(session, active) == 0
    assert cash(session, active.currency) == 0
    assert_books_clean(session)


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_a_close_that_overtakes_the_open_ends_in_the_same_state(session, client, active, outcome):
    assert deliver(client, closed(active, outcome)).status_code == 200
    assert deliver(client, opened(active)).status_code == 200  # the late "created": a no-op

    session.refresh(active)
    expected = EnrollmentStatus.ACTIVE if outcome == "won" else EnrollmentStatus.ELIMINATED
    assert active.status == expected
    assert held(session, active) == (7000 if outcome == "won" else 0)
    assert frozen(session, active) == 0
    assert cash(session, active.currency) == (7000 if outcome == "won" else 0)
    assert_books_clean(session)


def test_a_dispute_before_its_payment_waits_and_then_converges(session, client, gateway):
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=7000))
    give_intent(session, enrollment, gateway, now=now_utc())
    early = opened(enrollment)

    assert deliver(client, early).status_code == 409
    assert stored(session, early["id"]).status == EventStatus.WAITING

    assert deliver(client, succeeded(enrollment)).status_code == 200
    assert deliver(client, early).status_code == 200  # Stripe's retry of the same event

    session.refresh(enrollment)
    assert enrollment.status == EnrollmentStatus.SUSPENDED
    assert frozen(session, enrollment) == 7000 and held(session, enrollment) == 0
    assert stored(session, early["id"]).status == EventStatus.PROCESSED


def test_a_dispute_on_a_payment_kept_in_the_wallet_freezes_the_wallet_money(session, client, gateway):
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=7000))
    give_intent(session, enrollment, gateway, now=now_utc())
    enrollment.status = EnrollmentStatus.CANCELLED
    session.commit()
    deliver(client, succeeded(enrollment))
    assert wallet(session, enrollment.member_id, enrollment.currency) == 7000

    deliver(client, opened(enrollment))
    assert wallet(session, enrollment.member_id, enrollment.currency) == 0
    assert frozen(session, enrollment) == 7000

    deliver(client, closed(enrollment, "won"))
    assert wallet(session, enrollment.member_id, enrollment.currency) == 7000
    session.refresh(enrollment)
    assert enrollment.status == EnrollmentStatus.CANCELLED
    assert_books_clean(session)


@pytest.mark.parametrize(
    "challenge_status, expected",
    [("completed", EnrollmentStatus.COMPLETED), ("cancelled", EnrollmentStatus.CANCELLED)],
)
def test_a_dispute_won_after_the_challenge_ended_catches_up_with_it(
    session, client, active, challenge_status, expected
):
    from habits.models import Challenge, ChallengeStatus

    deliver(client, opened(active))
    challenge = session.get(Challenge, active.challenge_id)
    challenge.status = ChallengeStatus(challenge_status)  # what settlement did while it sat suspended
    session.commit()

    deliver(client, closed(active, "won"))

    session.refresh(active)
    assert active.status == expected
    assert held(session, active) == 0 and frozen(session, active) == 0
    assert wallet(session, active.member_id, active.currency) == 7000
    assert violations(session) == []
