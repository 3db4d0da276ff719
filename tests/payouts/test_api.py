"""The payout routes of the API: a member asks, a site administrator decides; everyone else
finds no administrators' route at all (404)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

import ledger
from habits import books
from tests.api.helpers import auth_headers
from tests.factories import PASSWORD, make_member
from tests.payments.helpers import assert_books_clean
from tests.payouts.helpers import CCY, pending, wallet


@pytest.fixture
def heads(session, money) -> dict:
    outsider = make_member(session)
    return {
        "winner": auth_headers(session, money.winner),
        "admin": auth_headers(session, money.admin),
        "outsider": auth_headers(session, outsider),
    }


def ask(client, heads, amount=300, destination="Alipay 138 0000 0000", **extra):
    body = {"amount_minor": amount, "currency": CCY, "destination": destination, **extra}
    return client.post("/api/v1/me/payouts", json=body, headers=heads["winner"])


def payout_transactions(session) -> int:
    T = ledger.LedgerTransaction
    return session.scalar(select(func.count()).select_from(T).where(T.key.like(books.payout_like())))


def test_ask_approve_and_mark_paid_through_the_api(client, session, money, heads):
    asked = ask(client, heads)
    assert asked.status_code == 201, asked.get_json()
    body = asked.get_json()
    assert (body["status"], body["amount_minor"]) == ("requested", 300)
    assert body["destination"] == "Alipay 138 0000 0000"
    assert [e["action"] for e in body["events"]] == ["request"]
    assert "actor_id" not in body["events"][0] and "member_email" not in body
    payout_id = body["id"]

    queue = client.get("/api/v1/payouts?status=requested", headers=heads["admin"]).get_json()
    assert [(p["id"], p["member_email"]) for p in queue["items"]] == [(payout_id, money.winner.email)]

    decision = f"/api/v1/payouts/{payout_id}/decision"
    approved = client.post(decision, json={"approve": True, "password": PASSWORD}, headers=heads["admin"])
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    assert approved.get_json()["decided_by_id"] == money.admin.id
    again = client.post(decision, json={"approve": True, "password": PASSWORD}, headers=heads["admin"])
    assert again.status_code == 200 and payout_transactions(session) == 1
    assert (wallet(session, money.winner.id), pending(session, money.winner.id)) == (300, 300)

    paid_path = f"/api/v1/payouts/{payout_id}/paid"
    paid = client.post(paid_path, json={"reference": "TX-1"}, headers=heads["admin"])
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    assert [e["action"] for e in paid.get_json()["events"]] == ["request", "approve", "pay"]
    mine = client.get("/api/v1/me/payouts", headers=heads["winner"]).get_json()
    assert mine["total"] == 1 and mine["items"][0]["reference"] == "TX-1"
    refused = client.post(decision, json={"approve": False, "reason": "late"}, headers=heads["admin"])
    assert refused.status_code == 409 and refused.get_json()["code"] == "payout_already_decided"
    assert_books_clean(session)


def test_refusing_needs_a_reason_and_approving_the_right_password(client, session, money, heads):
    payout_id = ask(client, heads, 100).get_json()["id"]
    decision = f"/api/v1/payouts/{payout_id}/decision"
    wrong = client.post(decision, json={"approve": True, "password": "guess"}, headers=heads["admin"])
    assert wrong.status_code == 422
    assert wrong.get_json()["code"] == "admin_password_wrong" and "password" in wrong.get_json()["errors"]
    blank = client.post(decision, json={"approve": False, "reason": "  "}, headers=heads["admin"])
    assert blank.status_code == 422 and "reason" in blank.get_json()["errors"]
    assert payout_transactions(session) == 0
    refused = client.post(decision, json={"approve": False, "reason": "Unknown bank"}, headers=heads["admin"])
    assert refused.status_code == 200 and refused.get_json()["reason"] == "Unknown bank"
    early = client.post(f"/api/v1/payouts/{payout_id}/paid", json={"reference": "X"}, headers=heads["admin"])
    assert early.status_code == 409


def test_more_than_a_payout_can_take_is_a_409_that_says_how_much_it_can(client, money, heads):
    response = ask(client, heads, 301)
    body = response.get_json()
    assert response.status_code == 409 and body["code"] == "payout_over_ceiling"
    assert (body["ceiling_minor"], body["refundable_minor"], body["available_minor"]) == (300, 300, 600)


@pytest.mark.parametrize(
    "body",
    [
        {"amount_minor": "300", "currency": CCY, "destination": "bank"},
        {"amount_minor": 0, "currency": CCY, "destination": "bank"},
        {"amount_minor": 300, "currency": "cny", "destination": "bank"},
        {"amount_minor": 300, "currency": CCY, "destination": ""},
        {"amount_minor": 300, "currency": CCY, "destination": "x" * 501},
        {"amount_minor": 300, "currency": CCY, "destination": "bank", "iban": "DE00"},
        {"amount_minor": 300, "currency": CCY},
    ],
)
def test_bad_requests_are_422_with_the_field(client, money, heads, body):
    response = client.post("/api/v1/me/payouts", json=body, headers=heads["winner"])
    assert response.status_code == 422 and response.get_json()["errors"], response.get_json()


@pytest.mark.parametrize("who", ["winner", "outsider"])
def test_every_administrators_route_is_a_404_to_anyone_else(client, money, heads, who):
    payout_id = ask(client, heads, 100).get_json()["id"]
    for method, path, body in [
        ("get", "/api/v1/payouts", None),
        ("get", "/api/v1/payouts?status=requested", None),
        ("post", f"/api/v1/payouts/{payout_id}/decision", {"approve": True, "password": PASSWORD}),
        ("post", f"/api/v1/payouts/{payout_id}/decision", {"approve": False, "reason": "no"}),
        ("post", f"/api/v1/payouts/{payout_id}/paid", {"reference": "X"}),
        ("post", "/api/v1/payouts/999999/paid", {"reference": "X"}),
        ("get", "/api/v1/payouts/pending.csv", None),
    ]:
        response = getattr(client, method)(path, json=body, headers=heads[who])
        assert response.status_code == 404, (method, path, response.status_code)
    anonymous = client.get("/api/v1/payouts/pending.csv")
    assert anonymous.status_code == 401


def test_an_administrator_decides_nobody_s_own_payout(client, session, money, heads):
    money.winner.is_admin = True
    session.commit()
    payout_id = ask(client, heads, 100).get_json()["id"]
    approve = {"approve": True, "password": PASSWORD}
    own = client.post(f"/api/v1/payouts/{payout_id}/decision", json=approve, headers=heads["winner"])
    assert own.status_code == 403 and own.get_json()["code"] == "own_payout"


def test_the_pending_csv_lists_approved_payouts_with_typed_text_as_text(client, session, money, heads):
    money.winner.display_name = "+Wendy"
    session.commit()
    first = ask(client, heads, 100, destination='=HYPERLINK("https://evil.example")').get_json()["id"]
    ask(client, heads, 50, destination="@bank")  # requested, not approved: not in the file
    approve = {"approve": True, "password": PASSWORD}
    client.post(f"/api/v1/payouts/{first}/decision", json=approve, headers=heads["admin"])
    response = client.get("/api/v1/payouts/pending.csv", headers=heads["admin"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    (row,) = rows
    assert row["payout_id"] == str(first) and row["amount"] == "1.00" and row["amount_minor"] == "100"
    assert row["destination"] == '\'=HYPERLINK("https://evil.example")'
    assert row["display_name"] == "'+Wendy" and row["email"] == money.winner.email
    assert row["approved_by"] == money.admin.email


def test_the_write_routes_have_named_rate_limits(app, client, money, heads, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_PAYOUT_REQUEST", "2/minute")
    monkeypatch.setitem(app.config, "RATELIMIT_PAYOUT_DECISION", "1/minute")
    codes = [ask(client, heads, 1).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    decision = "/api/v1/payouts/1/decision"
    first = client.post(decision, json={"approve": False, "reason": "x"}, headers=heads["admin"])
    limited = client.post(decision, json={"approve": False, "reason": "x"}, headers=heads["admin"])
    assert first.status_code != 429 and limited.status_code == 429 and limited.headers["Retry-After"]
