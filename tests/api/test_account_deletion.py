"""POST /api/v1/me/deletion: personal data and photos erased, the books kept under the member's
id and still adding up; refused with the reason while money is held or while the member is the
only organizer of a community (POST /communities/{id}/handover first)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from habits.domain.lifecycle import EnrollmentStatus
from habits.extensions import db
from habits.models import (
    ApiToken,
    CheckIn,
    Community,
    CommunityMembership,
    MailOptOut,
    Member,
    MembershipStatus,
    OneTimeLink,
    OutboxMail,
    Role,
    TermsAcceptance,
    WebSession,
)
from habits.models.payment import Payment
from habits.models.payout import Payout
from habits.payments import EXTENSION_KEY
from habits.services import account_deletion, payouts, terms, withdrawals
from habits.services.photos import accept_photo
from tests import images
from tests.api.helpers import auth_headers
from tests.factories import (
    PASSWORD,
    add_to_community,
    at_local,
    make_challenge,
    make_community,
    make_enrollment,
    make_member,
    text_fields,
)
from tests.object_store import stored_names
from tests.payments.helpers import deliver, event, refund_obj
from tests.payouts.helpers import CCY, winnings
from tests.web.helpers import log_in

ISSUED = datetime(2025, 1, 1, tzinfo=UTC)
LONG_LIVED = {"now": ISSUED, "ttl_days": 3650}


def delete(client, headers, password=PASSWORD):
    return client.post("/api/v1/me/deletion", json={"password": password}, headers=headers)


# -- refusals -------------------------------------------------------------------------------------


def test_it_needs_a_token_and_the_right_password(client, session):
    member = make_member(session)
    headers = auth_headers(session, member, **LONG_LIVED)
    assert client.post("/api/v1/me/deletion", json={"password": PASSWORD}).status_code == 401

    for wrong in ("not my password", ""):
        response = delete(client, headers, wrong)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["errors"] == {"password": ["The password is not right."]}
    missing = client.post("/api/v1/me/deletion", json={}, headers=headers)
    assert missing.status_code == 422 and "password" in missing.get_json()["errors"]

    session.expire_all()
    assert session.get(Member, member.id).deleted_at is None
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_a_held_deposit_and_a_deposit_not_paid_yet_are_reasons(client, session):
    member = make_member(session)
    headers = auth_headers(session, member, **LONG_LIVED)
    running = make_enrollment(session, make_challenge(session), member, status=EnrollmentStatus.ACTIVE)
    asked = make_enrollment(session, make_challenge(session), member)

    response = delete(client, headers)

    assert response.status_code == 409
    problem = response.get_json()
    assert problem["code"] == "account_holds_money"
    assert problem["held"] == [
        {"kind": "held", "currency": "CNY", "amount_minor": 7000, "enrollment_id": running.id},
        {"kind": "pending_payment", "currency": "CNY", "amount_minor": 7000, "enrollment_id": asked.id},
    ]
    session.expire_all()
    assert session.get(Member, member.id).deleted_at is None


def test_money_held_anywhere_is_a_reason_until_it_has_left(app, client, session):
    """A real member's money: a deposit paid by card, its stake back and another's forfeit won.
    Each way out (a payout, a refund to the card) shows while it is on its way; once all is out,
    the account goes, and the books still verify and reconcile."""
    gateway = app.extensions[EXTENSION_KEY]
    money = winnings(session, client, gateway, start=date(2026, 3, 2))
    winner = money.winner
    headers = auth_headers(session, winner, **LONG_LIVED)

    def held():
        response = delete(client, headers)
        assert response.status_code == 409 and response.get_json()["code"] == "account_holds_money"
        return {(item["kind"], item["amount_minor"]) for item in response.get_json()["held"]}

    assert held() == {("wallet", 600)}  # the stake back (300) and the loser's forfeit (300)

    payout = payouts.request_payout(
        session, winner, amount_minor=300, currency=CCY, destination="IBAN DE00 1234", now=money.now
    )
    payouts.approve_payout(session, payout.id, admin=money.admin, password=PASSWORD, now=money.now)
    session.commit()
    assert held() == {("wallet", 300), ("payouts_pending", 300)}
    payouts.mark_paid(session, payout.id, admin=money.admin, reference="T-1", now=money.now)
    session.commit()

    withdrawal = withdrawals.request_withdrawal(
        session, winner, amount_minor=300, currency=CCY, now=money.now
    )
    session.commit()
    withdrawals.send_withdrawal_refunds(session, withdrawal.id, gateway=gateway, now=money.now)
    session.commit()
    gateway.take_outbox()  # the processor has not said it is done yet
    assert held() == {("refunds_pending", 300)}
    (refund,) = withdrawals.withdrawal_refunds(session, withdrawal)
    payment_intent = session.get(Payment, refund.payment_id).payment_intent_id
    done = refund_obj(refund.refund_id, payment_intent, 300, CCY, "succeeded", refund.key)
    assert deliver(client, event("refund.updated", done)).status_code == 200

    assert delete(client, headers).status_code == 204

    runner = app.test_cli_runner()
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output
    reconcile = runner.invoke(args=["payments", "reconcile"])
    assert reconcile.exit_code == 0 and "no differences" in reconcile.output, reconcile.output
    session.expire_all()
    assert session.get(Payout, payout.id).destination == ""


def test_the_only_organizer_hands_the_community_over_first(client, session):
    organizer, member = make_member(session), make_member(session, display_name="Heir")
    community = make_community(session, organizer)
    add_to_community(session, community, member)
    alone = make_community(session, organizer)  # nobody else: nothing to hand over
    headers = auth_headers(session, organizer, **LONG_LIVED)

    refused = delete(client, headers)
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "account_only_organizer"
    assert refused.get_json()["community_ids"] == [community.id]

    handed = client.post(
        f"/api/v1/communities/{community.id}/handover", json={"member_id": member.id}, headers=headers
    )
    assert handed.status_code == 200 and handed.get_json()["organizer_id"] == member.id
    assert delete(client, headers).status_code == 204

    session.expire_all()
    assert session.get(Community, community.id).organizer_id == member.id
    roles = dict(
        session.execute(
            select(CommunityMembership.member_id, CommunityMembership.role).where(
                CommunityMembership.community_id == community.id,
                CommunityMembership.status == MembershipStatus.ACTIVE,
            )
        ).all()
    )
    assert roles == {member.id: Role.ORGANIZER}
    # the community nobody else belonged to stays, with no one to organize it
    assert session.get(Community, alone.id).organizer_id == organizer.id


def test_an_organizer_with_a_co_organizer_leaves_the_community_to_them(client, session):
    organizer, co, member = make_member(session), make_member(session), make_member(session)
    community = make_community(session, organizer)
    add_to_community(session, community, member)
    add_to_community(session, community, co, Role.CO_ORGANIZER)

    assert delete(client, auth_headers(session, organizer, **LONG_LIVED)).status_code == 204

    session.expire_all()
    assert session.get(Community, community.id).organizer_id == co.id
    membership = session.scalar(
        select(CommunityMembership).where(
            CommunityMembership.community_id == community.id, CommunityMembership.member_id == co.id
        )
    )
    assert membership.role == Role.ORGANIZER and membership.status == MembershipStatus.ACTIVE


# -- what is erased --------------------------------------------------------------------------------


def test_personal_data_and_photo_files_are_gone(app, client, session, photo_storage):
    member = make_member(session, display_name="Erin Erased", email="erin@example.test")
    rival = make_member(session)
    community = make_community(session, entry_form=text_fields("City?"))
    add_to_community(session, community, member).answers = {"city": "Lisbon"}
    challenge = make_challenge(session, community, days=1, max_misses=0, requires_code_word=False)
    mine = make_enrollment(session, challenge, member, status=EnrollmentStatus.ELIMINATED, funded=False)
    theirs = make_enrollment(session, challenge, rival, status=EnrollmentStatus.ACTIVE, funded=False)
    store = photo_storage
    my_photo = store.save(challenge.id, accept_photo(images.png(), max_bytes=100_000))
    their_photo = store.save(challenge.id, accept_photo(images.png(), max_bytes=100_000))
    at = at_local(challenge, 0, "05:30")
    for enrollment, photo, note in ((mine, my_photo, "ran by the river"), (theirs, their_photo, "theirs")):
        session.add(
            CheckIn(
                enrollment_id=enrollment.id,
                challenge_id=challenge.id,
                day_index=0,
                checked_in_at=at,
                note=note,
                photo_path=photo,
                photo_content_type="image/png",
            )
        )
    session.add(MailOptOut(member_id=member.id, kind="digest", created_at=at))
    session.add(
        OutboxMail(
            kind="verify_email",
            to_address="erin@example.test",
            member_id=member.id,
            locale="en",
            subject="Confirm",
            body_text="link",
            next_attempt_at=at,
            created_at=at,
        )
    )
    terms.publish_terms(session, body="Be kind.", now=at)
    terms.record_acceptance(session, member, 1, now=at)
    session.commit()
    headers = auth_headers(session, member, **LONG_LIVED)
    log_in(client, member)  # a web sign-in too
    assert session.scalar(select(func.count()).where(WebSession.member_id == member.id)) == 1

    assert delete(client, headers).status_code == 204

    session.expire_all()
    gone = session.get(Member, member.id)
    assert gone.email == f"deleted-{member.id}@deleted.invalid"
    assert gone.display_name == account_deletion.DELETED_NAME and gone.deleted_at is not None
    assert (gone.timezone, gone.locale, gone.email_verified_at, gone.is_admin) == ("UTC", "en", None, False)
    assert "erin" not in gone.password_hash and gone.password_hash == account_deletion.NO_PASSWORD
    for table in (WebSession, ApiToken, OneTimeLink, MailOptOut):
        assert session.scalar(select(func.count()).where(table.member_id == member.id)) == 0, table
    assert session.scalar(select(func.count()).where(OutboxMail.to_address == "erin@example.test")) == 0
    # not a row anywhere names the address or the name any more
    assert session.scalar(select(func.count()).where(Member.email == "erin@example.test")) == 0
    assert session.scalar(select(func.count()).where(Member.display_name == "Erin Erased")) == 0
    my_checkin = session.scalar(select(CheckIn).where(CheckIn.enrollment_id == mine.id))
    assert (my_checkin.note, my_checkin.photo_path, my_checkin.photo_content_type) == (None, None, None)
    assert my_checkin.day_index == 0 and my_checkin.checked_in_at == at  # the day it counted stays
    assert stored_names(store) == [their_photo]
    # another member's check-in and photo are theirs
    their_checkin = session.scalar(select(CheckIn).where(CheckIn.enrollment_id == theirs.id))
    assert their_checkin.note == "theirs" and store.read(their_photo)
    membership = session.scalar(select(CommunityMembership).where(CommunityMembership.member_id == member.id))
    assert (membership.status, membership.answers) == (MembershipStatus.LEFT, {})
    # what is kept: the enrollment and which terms the anonymous id accepted
    assert session.get(type(mine), mine.id).member_id == member.id
    assert session.scalar(select(func.count()).where(TermsAcceptance.member_id == member.id)) == 1

    # signed out everywhere, and nobody signs in as them again
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/account").status_code == 302
    tokens = client.post("/api/v1/auth/tokens", json={"email": "erin@example.test", "password": PASSWORD})
    assert tokens.status_code == 401
    # the address is free for a new account
    again = client.post(
        "/api/v1/auth/register",
        json={
            "email": "erin@example.test",
            "password": "a new password 1",
            "display_name": "Erin",
            "terms_version": 1,
        },
    )
    assert again.status_code == 201


# -- handing a community over ----------------------------------------------------------------------


@pytest.fixture
def club(session):
    organizer, co, member, outsider = (make_member(session) for _ in range(4))
    community = make_community(session, organizer)
    add_to_community(session, community, co, Role.CO_ORGANIZER)
    add_to_community(session, community, member)
    left = make_member(session)
    add_to_community(session, community, left).status = MembershipStatus.LEFT
    session.commit()
    return community, organizer, co, member, outsider, left


def test_only_the_organizer_hands_over_and_only_to_an_active_member(client, session, club):
    community, organizer, co, member, outsider, left = club
    url = f"/api/v1/communities/{community.id}/handover"

    def hand(who, member_id):
        return client.post(
            url, json={"member_id": member_id}, headers=auth_headers(session, who, **LONG_LIVED)
        )

    assert client.post(url, json={"member_id": member.id}).status_code == 401
    for who in (co, member, outsider):
        assert hand(who, member.id).status_code == 403, who
    for nobody in (outsider.id, left.id, organizer.id, 10**12):
        assert hand(organizer, nobody).status_code == 404, nobody
    assert hand(organizer, "7").status_code == 422
    no_such = client.post(
        "/api/v1/communities/999999/handover",
        json={"member_id": member.id},
        headers=auth_headers(session, organizer, **LONG_LIVED),
    )
    assert no_such.status_code == 404

    assert hand(organizer, member.id).status_code == 200
    session.expire_all()
    assert session.get(Community, community.id).organizer_id == member.id
    roles = dict(
        session.execute(
            select(CommunityMembership.member_id, CommunityMembership.role).where(
                CommunityMembership.community_id == community.id
            )
        ).all()
    )
    assert roles[member.id] == Role.ORGANIZER and roles[organizer.id] == Role.CO_ORGANIZER
    # the former organizer may not hand it again
    assert hand(organizer, co.id).status_code == 403


# -- the one place deletion is decided -------------------------------------------------------------


def _references() -> set[str]:
    """Every column of every table that refers to a member or an enrollment."""
    found = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            for key in column.foreign_keys:
                if key.column.table.name in ("members", "enrollments") and key.column.name == "id":
                    found.add(f"{table.name}.{column.name}")
    return found


def test_every_table_that_refers_to_a_member_is_erased_or_kept_for_a_reason():
    """A new table holding a member's data (push subscriptions, say) registers its erasure in
    habits/services/account_deletion.py, or says there why it is kept."""
    erased = [ref for step in account_deletion.ERASURES for ref in step.covers]
    assert len(erased) == len(set(erased))
    assert set(erased).isdisjoint(account_deletion.KEPT)
    assert _references() == set(erased) | set(account_deletion.KEPT)
