"""GET /api/v1/me/export: the member's own data, all of it and nobody else's, as one document."""

from __future__ import annotations

from datetime import UTC, date, datetime

from habits.domain.lifecycle import EnrollmentStatus
from habits.payments import EXTENSION_KEY
from habits.services import payouts, terms
from tests.api.helpers import auth_headers
from tests.factories import (
    PASSWORD,
    add_to_community,
    make_challenge,
    make_checkin,
    make_community,
    make_enrollment,
    make_member,
    text_fields,
)
from tests.payouts.helpers import CCY, winnings

ISSUED = datetime(2025, 1, 1, tzinfo=UTC)


def test_it_needs_a_token(client):
    assert client.get("/api/v1/me/export").status_code == 401


def test_the_export_holds_the_profile_memberships_enrollments_check_ins_and_the_wallet(app, client, session):
    money = winnings(session, client, app.extensions[EXTENSION_KEY], start=date(2026, 3, 2))
    winner, loser = money.winner, money.loser
    club = make_community(session, name="Readers", entry_form=text_fields("Favourite book?"))
    add_to_community(session, club, winner).answers = {"favourite_book": "Dune"}
    other = make_challenge(session, club, title="Read daily")
    session.commit()
    terms.publish_terms(session, body="Be kind.", now=money.now)
    terms.record_acceptance(session, winner, 1, now=money.now)
    payouts.request_payout(
        session, winner, amount_minor=300, currency=CCY, destination="IBAN DE00 1234", now=money.now
    )
    session.commit()
    # the loser's own check-in on another challenge, which must not appear in the winner's export
    make_checkin(session, _enrollment_in(session, other, loser), 0, note="not yours")

    response = client.get(
        "/api/v1/me/export", headers=auth_headers(session, winner, now=ISSUED, ttl_days=3650)
    )

    assert response.status_code == 200
    document = response.get_json()
    assert document["format"] == "streakpot-export/1"
    assert document["profile"]["email"] == winner.email
    assert document["profile"]["display_name"] == "Wendy Winner"
    assert document["terms_acceptances"] == [{"version": 1, "accepted_at": _z(money.now)}]
    (membership,) = document["memberships"]
    assert (membership["community_name"], membership["answers"], membership["role"]) == (
        "Readers",
        {"favourite_book": "Dune"},
        "member",
    )
    (enrollment,) = document["enrollments"]
    assert enrollment["status"] == EnrollmentStatus.COMPLETED.value
    assert (enrollment["deposit_minor"], enrollment["returned_minor"], enrollment["won_minor"]) == (
        300,
        300,
        300,
    )
    assert enrollment["held_minor"] == 0 and enrollment["currency"] == CCY
    (checkin,) = document["check_ins"]
    assert (checkin["enrollment_id"], checkin["day_index"], checkin["has_photo"]) == (
        enrollment["id"],
        0,
        False,
    )
    assert document["wallet"]["balances"] == [{"currency": CCY, "available_minor": 600}]
    keys = [entry["key"] for entry in document["wallet"]["entries"]]
    assert keys and all(entry["currency"] == CCY for entry in document["wallet"]["entries"])
    assert sum(entry["amount_minor"] for entry in document["wallet"]["entries"]) == 600
    (payout,) = document["payouts"]
    assert (payout["amount_minor"], payout["destination"], payout["status"]) == (
        300,
        "IBAN DE00 1234",
        "requested",
    )
    assert document["withdrawals"] == [] and document["rest_days"] == []
    assert "not yours" not in response.get_data(as_text=True)
    assert loser.email not in response.get_data(as_text=True)


def _z(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _enrollment_in(session, challenge, member):
    return make_enrollment(session, challenge, member, status=EnrollmentStatus.ACTIVE, funded=False)


def test_the_password_is_never_in_it(client, session):
    member = make_member(session)
    text = client.get("/api/v1/me/export", headers=auth_headers(session, member, now=ISSUED, ttl_days=3650))
    assert text.status_code == 200
    assert "pbkdf2" not in text.get_data(as_text=True) and PASSWORD not in text.get_data(as_text=True)
