"""The offline payment mode: the demo's card pays through the production webhook path."""

from __future__ import annotations

import pytest

from habits.domain.lifecycle import EnrollmentStatus
from habits.models.payment import EventStatus, StripeEvent
from tests.api.helpers import auth_headers
from tests.factories import make_enrollment, make_member
from tests.payments.helpers import cash, give_intent, held, now_utc, open_challenge


@pytest.fixture
def pending(session, gateway):
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=5000))
    give_intent(session, enrollment, gateway, now=now_utc())
    return enrollment


def confirm_url(enrollment) -> str:
    return f"/api/v1/payments/offline/{enrollment.payment_intent_id}/confirm"


def owner_headers(session, enrollment):
    from habits.models import Member

    return auth_headers(session, session.get(Member, enrollment.member_id))


def test_confirming_pays_through_a_signed_webhook_event(session, client, pending):
    response = client.post(confirm_url(pending), headers=owner_headers(session, pending))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["enrollment_status"] == "active" and body["event_status"] == "processed"
    event = session.get(StripeEvent, body["event_id"])
    assert event.type == "payment_intent.succeeded" and event.status == EventStatus.PROCESSED
    assert event.payload["data"]["object"]["metadata"]["enrollment_id"] == str(pending.id)
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.ACTIVE
    assert held(session, pending) == 5000 and cash(session, pending.currency) == 5000


def test_confirming_twice_is_a_replay(session, client, pending):
    headers = owner_headers(session, pending)
    client.post(confirm_url(pending), headers=headers)
    again = client.post(confirm_url(pending), headers=headers)

    assert again.status_code == 200 and again.get_json()["event_status"] == "duplicate"
    assert held(session, pending) == 5000 and cash(session, pending.currency) == 5000


def test_a_declined_test_card_leaves_the_deposit_pending_with_the_reason(session, client, pending):
    response = client.post(
        confirm_url(pending),
        json={"payment_method": "pm_card_chargeCustomerFail"},
        headers=owner_headers(session, pending),
    )
    assert response.status_code == 200
    assert response.get_json()["enrollment_status"] == "pending_payment"
    assert response.get_json()["payment_error"] == "Your card was declined."


def test_only_the_owner_may_confirm(session, client, pending):
    stranger = auth_headers(session, make_member(session))
    assert client.post(confirm_url(pending), headers=stranger).status_code == 404
    assert client.post(confirm_url(pending)).status_code == 401
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.PENDING_PAYMENT


def test_an_unknown_intent_is_404(session, client, pending):
    response = client.post(
        "/api/v1/payments/offline/pi_offline_nope/confirm", headers=owner_headers(session, pending)
    )
    assert response.status_code == 404


def test_an_unknown_card_is_422(session, client, pending):
    response = client.post(
        confirm_url(pending), json={"payment_method": "pm_card_amex"}, headers=owner_headers(session, pending)
    )
    assert response.status_code == 422


def test_the_route_does_not_exist_outside_the_offline_mode(session, client, pending, app):
    headers = owner_headers(session, pending)
    app.config["PAYMENTS_MODE"] = "stripe"
    try:
        assert client.post(confirm_url(pending), headers=headers).status_code == 404
        assert client.post(confirm_url(pending)).status_code == 404
    finally:
        app.config["PAYMENTS_MODE"] = "offline"
