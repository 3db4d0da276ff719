"""Joining a challenge (with the deposit's payment), reading one's enrollment, quitting."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

import ledger
from habits import books
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import CommunityMembership, Enrollment
from tests.api.helpers import auth_headers
from tests.factories import add_to_community, make_challenge, make_community, make_enrollment, make_member
from tests.timehelpers import travel

BEFORE_START = datetime(2026, 2, 1, 12, tzinfo=UTC)
AFTER_DAY_ZERO_OPENS = datetime(2026, 3, 1, 21, 30, tzinfo=UTC)  # Shanghai 05:30 on 2026-03-02


def wallet_minor(session, member, currency="CNY") -> int:
    account = books.open_account(session, books.wallet(member.id, currency))
    return ledger.normal_balance(session, account)


def fund_wallet(session, member, amount, currency="CNY"):
    cash = books.open_account(session, books.processor_cash(currency))
    purse = books.open_account(session, books.wallet(member.id, currency))
    ledger.post(
        session,
        key=f"test-wallet:{member.id}",
        currency=currency,
        legs=[ledger.Leg(cash, amount), ledger.Leg(purse, -amount)],
        memo="test: money in the wallet",
        occurred_at=BEFORE_START,
    )
    session.commit()


def join(client, challenge, headers, **body):
    with travel(BEFORE_START):
        return client.post(f"/api/v1/challenges/{challenge.id}/enrollments", json=body, headers=headers)


def test_join_creates_a_pending_enrollment_and_an_offline_payment_that_activates_it(client, session, world):
    newcomer = make_member(session)
    add_to_community(session, world.community, newcomer)
    headers = auth_headers(session, newcomer, now=BEFORE_START)
    response = join(client, world.challenge, headers)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending_payment"
    assert (body["deposit_minor"], body["currency"], body["held_minor"]) == (7000, "CNY", 0)
    payment = body["payment"]
    assert payment["payment_intent_id"] and payment["client_secret"]
    with travel(BEFORE_START):
        paid = client.post(payment["offline_confirm_url"], json={}, headers=headers)
        assert paid.status_code in (200, 201), paid.get_data(as_text=True)
        enrollment = client.get(f"/api/v1/enrollments/{body['id']}", headers=headers).get_json()
    assert enrollment["status"] == "active"
    assert enrollment["held_minor"] == 7000
    assert enrollment["returned_minor"] == enrollment["forfeited_minor"] == enrollment["won_minor"] == 0


def test_join_paid_from_the_wallet_is_active_at_once(client, session, world):
    newcomer = make_member(session)
    add_to_community(session, world.community, newcomer)
    fund_wallet(session, newcomer, 9000)
    response = join(
        client, world.challenge, auth_headers(session, newcomer, now=BEFORE_START), pay_from_wallet=True
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "active" and body["payment"] is None
    assert body["held_minor"] == 7000
    assert wallet_minor(session, newcomer) == 2000


def test_a_short_wallet_leaves_no_enrollment_behind(client, session, world):
    newcomer = make_member(session)
    add_to_community(session, world.community, newcomer)
    fund_wallet(session, newcomer, 100)
    response = join(
        client, world.challenge, auth_headers(session, newcomer, now=BEFORE_START), pay_from_wallet=True
    )
    assert response.status_code == 409
    count = session.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.member_id == newcomer.id)
    )
    assert count == 0


def test_join_twice_is_409_naming_the_enrollment(client, world):
    response = join(client, world.challenge, world.as_("owner"))
    assert response.status_code == 409
    assert response.get_json()["enrollment_id"] == world.owner_enrollment.id


def test_join_after_day_zero_opened_is_409(client, session, world):
    newcomer = make_member(session)
    add_to_community(session, world.community, newcomer)
    with travel(AFTER_DAY_ZERO_OPENS):
        response = client.post(
            f"/api/v1/challenges/{world.challenge.id}/enrollments",
            json={},
            headers=auth_headers(session, newcomer),
        )
    assert response.status_code == 409
    assert response.get_json()["closed_at"] == "2026-03-01T21:00:00Z"


def test_joining_an_open_communitys_challenge_joins_the_community(client, session):
    community = make_community(session)
    challenge = make_challenge(session, community)
    member = make_member(session)
    response = join(client, challenge, auth_headers(session, member, now=BEFORE_START))
    assert response.status_code == 201
    membership = session.scalar(
        select(CommunityMembership).where(
            CommunityMembership.community_id == community.id, CommunityMembership.member_id == member.id
        )
    )
    assert membership is not None and membership.role == "member"


def test_a_community_with_entry_rules_must_be_joined_first(client, session):
    community = make_community(session, invite_code="secret-code")
    challenge = make_challenge(session, community)
    member = make_member(session)
    response = join(client, challenge, auth_headers(session, member, now=BEFORE_START))
    assert response.status_code == 403
    assert response.get_json()["community_id"] == community.id


def test_withdrawal_before_day_zero_gives_the_whole_deposit_back_once(client, session, world):
    member = make_member(session)
    add_to_community(session, world.community, member)
    enrollment = make_enrollment(session, world.challenge, member, status=EnrollmentStatus.ACTIVE)
    headers = auth_headers(session, member, now=BEFORE_START)
    url = f"/api/v1/enrollments/{enrollment.id}/withdrawal"
    with travel(BEFORE_START):
        first = client.post(url, headers=headers)
        again = client.post(url, headers=headers)
    assert first.status_code == again.status_code == 200
    body = again.get_json()
    assert body["status"] == "withdrawn" and body["held_minor"] == 0
    assert wallet_minor(session, member) == 7000
    keys = session.scalars(
        select(ledger.LedgerTransaction.key).where(
            ledger.LedgerTransaction.key == books.quit_before_start_key(enrollment.id)
        )
    ).all()
    assert len(keys) == 1


def test_withdrawal_while_pending_payment_just_withdraws(client, session, world):
    member = make_member(session)
    enrollment = make_enrollment(session, world.challenge, member)
    with travel(BEFORE_START):
        response = client.post(
            f"/api/v1/enrollments/{enrollment.id}/withdrawal", headers=auth_headers(session, member)
        )
    assert response.get_json()["status"] == "withdrawn"
    assert wallet_minor(session, member) == 0


def test_withdrawal_after_day_zero_keeps_the_deposit_for_settlement(client, session, world):
    member = make_member(session)
    enrollment = make_enrollment(session, world.challenge, member, status=EnrollmentStatus.ACTIVE)
    with travel(AFTER_DAY_ZERO_OPENS):
        response = client.post(
            f"/api/v1/enrollments/{enrollment.id}/withdrawal", headers=auth_headers(session, member)
        )
    body = response.get_json()
    assert body["status"] == "withdrawn"
    assert body["withdrew_at"] == "2026-03-01T21:30:00Z"
    assert body["held_minor"] == 7000
    assert wallet_minor(session, member) == 0


def test_withdrawal_after_elimination_is_ignored(client, session, world):
    world.owner_enrollment.status = EnrollmentStatus.ELIMINATED
    session.commit()
    with travel(AFTER_DAY_ZERO_OPENS):
        response = client.post(
            f"/api/v1/enrollments/{world.owner_enrollment.id}/withdrawal", headers=world.as_("owner")
        )
    assert response.status_code == 200
    assert response.get_json()["status"] == "eliminated"


def test_my_enrollments_lists_only_mine(client, world):
    body = client.get("/api/v1/me/enrollments", headers=world.as_("owner")).get_json()
    assert [item["id"] for item in body["items"]] == [world.owner_enrollment.id]
    assert body["total"] == 1
