"""GET /api/v1/me/wallet and POST /api/v1/me/withdrawals, end to end in the offline mode."""

from __future__ import annotations

from habits.domain.lifecycle import EnrollmentStatus
from tests.api.helpers import auth_headers
from tests.factories import make_enrollment, make_member
from tests.payments.helpers import cash, deliver, give_intent, now_utc, open_challenge, succeeded


def late_payment(session, client, gateway, member, amount):
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=amount), member)
    give_intent(session, enrollment, gateway, now=now_utc())
    enrollment.status = EnrollmentStatus.CANCELLED
    session.commit()
    assert deliver(client, succeeded(enrollment)).status_code == 200


def test_the_wallet_shows_balances_and_entries(session, client, gateway):
    member = make_member(session)
    late_payment(session, client, gateway, member, 2500)
    headers = auth_headers(session, member)

    body = client.get("/api/v1/me/wallet", headers=headers).get_json()

    assert body["balances"] == [{"currency": "CNY", "available_minor": 2500}]
    assert body["total"] == 1 and body["entries"][0]["amount_minor"] == 2500
    assert body["entries"][0]["at"].endswith("Z")
    assert body["withdrawals"] == []


def test_an_empty_wallet(session, client):
    body = client.get("/api/v1/me/wallet", headers=auth_headers(session, make_member(session))).get_json()
    assert body == {"balances": [], "entries": [], "total": 0, "page": 1, "per_page": 20, "withdrawals": []}


def test_a_withdrawal_refunds_to_the_card_through_the_webhook_path(session, client, gateway):
    member = make_member(session)
    late_payment(session, client, gateway, member, 2500)
    headers = auth_headers(session, member)

    response = client.post(
        "/api/v1/me/withdrawals", json={"amount_minor": 2000, "currency": "CNY"}, headers=headers
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["requested_minor"], body["refunded_minor"], body["kept_minor"], body["note"]) == (
        2000,
        2000,
        0,
        None,
    )
    assert [(r["amount_minor"], r["status"]) for r in body["refunds"]] == [(2000, "succeeded")]
    assert cash(session, "CNY") == 500
    wallet = client.get("/api/v1/me/wallet", headers=headers).get_json()
    assert wallet["balances"] == [{"currency": "CNY", "available_minor": 500}]
    assert wallet["withdrawals"][0]["id"] == body["id"]


def test_withdrawal_refusals_are_problem_documents(session, client, gateway):
    member = make_member(session)
    late_payment(session, client, gateway, member, 2500)
    headers = auth_headers(session, member)

    too_much = client.post(
        "/api/v1/me/withdrawals", json={"amount_minor": 2501, "currency": "CNY"}, headers=headers
    )
    assert too_much.status_code == 409 and too_much.content_type == "application/problem+json"
    assert too_much.get_json()["available_minor"] == 2500

    for bad in (
        {"amount_minor": 0, "currency": "CNY"},
        {"amount_minor": "10", "currency": "CNY"},
        {"amount_minor": 10, "currency": "yuan"},
        {"currency": "CNY"},
    ):
        assert client.post("/api/v1/me/withdrawals", json=bad, headers=headers).status_code == 422
    assert (
        client.post("/api/v1/me/withdrawals", json={"amount_minor": 1, "currency": "CNY"}).status_code == 401
    )
    assert (
        client.post(
            "/api/v1/me/withdrawals", data="{", headers=headers | {"Content-Type": "application/json"}
        ).status_code
        == 400
    )


def test_joining_and_paying_offline_through_the_api(session, client):
    """The whole demo path: join (core route) -> offline_confirm_url -> active."""
    challenge = open_challenge(session, deposit_minor=4000)
    member = make_member(session)
    headers = auth_headers(session, member)

    joined = client.post(f"/api/v1/challenges/{challenge.id}/enrollments", json={}, headers=headers)
    assert joined.status_code == 201, joined.get_json()
    payment = joined.get_json()["payment"]
    assert payment["payment_intent_id"].startswith("pi_offline_")

    paid = client.post(payment["offline_confirm_url"], headers=headers)
    assert paid.status_code == 200 and paid.get_json()["enrollment_status"] == "active"
    assert cash(session, "CNY") == 4000
