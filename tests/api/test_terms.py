"""The operator's terms: read by anyone, accepted at sign-up and before a deposit, asked again
when a new version is published; `flask terms publish` publishes one."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from habits.models import Enrollment, Member, TermsAcceptance
from habits.services import terms
from tests.api.helpers import auth_headers
from tests.factories import make_challenge, make_member

ISSUED = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 3, 1, tzinfo=UTC)
SIGN_UP = {"email": "new@example.test", "password": "a good password", "display_name": "New"}


def accepted_versions(session, member_id: int) -> list[int]:
    session.expire_all()
    return list(
        session.scalars(select(TermsAcceptance.version).where(TermsAcceptance.member_id == member_id))
    )


def test_nothing_to_read_or_accept_until_the_operator_publishes(client, session):
    assert client.get("/api/v1/terms").status_code == 404
    registered = client.post("/api/v1/auth/register", json=SIGN_UP)
    assert registered.status_code == 201
    assert accepted_versions(session, registered.get_json()["id"]) == []
    # a version that is not the one in force is refused, also when none is
    stale = client.post(
        "/api/v1/auth/register", json={**SIGN_UP, "email": "b@example.test", "terms_version": 1}
    )
    assert stale.status_code == 422 and "terms_version" in stale.get_json()["errors"]


def test_anyone_reads_the_terms_in_force(client, session):
    terms.publish_terms(session, body="# Rules\n\nBe kind.", now=NOW)
    terms.publish_terms(session, body="# Rules\n\nBe kind. Pay on time.", now=NOW)
    session.commit()
    response = client.get("/api/v1/terms")
    assert response.status_code == 200
    assert response.get_json() == {
        "version": 2,
        "body": "# Rules\n\nBe kind. Pay on time.",
        "published_at": "2026-03-01T00:00:00Z",
    }


def test_sign_up_accepts_the_version_in_force(client, session):
    terms.publish_terms(session, body="Be kind.", now=NOW)
    terms.publish_terms(session, body="Be kinder.", now=NOW)
    session.commit()

    missing = client.post("/api/v1/auth/register", json=SIGN_UP)
    assert missing.status_code == 422
    assert missing.get_json()["errors"] == {"terms_version": ["Accept the terms (version 2) to go on."]}
    old = client.post("/api/v1/auth/register", json={**SIGN_UP, "terms_version": 1})
    assert old.status_code == 422 and "read them again" in old.get_json()["errors"]["terms_version"][0]
    assert session.scalar(select(func.count()).where(Member.email == SIGN_UP["email"])) == 0

    registered = client.post("/api/v1/auth/register", json={**SIGN_UP, "terms_version": 2})
    assert registered.status_code == 201
    assert accepted_versions(session, registered.get_json()["id"]) == [2]


def test_a_deposit_waits_for_the_terms_in_force_and_again_for_a_new_version(client, session):
    member = make_member(session)
    headers = auth_headers(session, member, now=ISSUED, ttl_days=3650)
    first, second = (
        make_challenge(session, start_date=date.today().replace(year=date.today().year + 1)) for _ in range(2)
    )
    terms.publish_terms(session, body="Be kind.", now=NOW)
    session.commit()

    refused = client.post(f"/api/v1/challenges/{first.id}/enrollments", json={}, headers=headers)
    assert refused.status_code == 409
    assert (refused.get_json()["code"], refused.get_json()["terms_version"]) == ("terms_not_accepted", 1)
    assert session.scalar(select(func.count()).where(Enrollment.member_id == member.id)) == 0

    wrong = client.post("/api/v1/me/terms-acceptance", json={"terms_version": 7}, headers=headers)
    assert wrong.status_code == 422 and "terms_version" in wrong.get_json()["errors"]
    accepted = client.post("/api/v1/me/terms-acceptance", json={"terms_version": 1}, headers=headers)
    assert accepted.status_code == 201 and accepted.get_json()["version"] == 1
    again = client.post("/api/v1/me/terms-acceptance", json={"terms_version": 1}, headers=headers)
    assert again.status_code == 201 and again.get_json() == accepted.get_json()

    joined = client.post(f"/api/v1/challenges/{first.id}/enrollments", json={}, headers=headers)
    assert joined.status_code == 201, joined.get_json()

    terms.publish_terms(session, body="Be kind. Pay on time.", now=NOW)
    session.commit()
    refused = client.post(f"/api/v1/challenges/{second.id}/enrollments", json={}, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["terms_version"] == 2
    # the wallet is a deposit too
    from_wallet = client.post(
        f"/api/v1/challenges/{second.id}/enrollments", json={"pay_from_wallet": True}, headers=headers
    )
    assert from_wallet.status_code == 409 and from_wallet.get_json()["code"] == "terms_not_accepted"
    assert accepted_versions(session, member.id) == [1]


def test_accepting_needs_a_token_and_published_terms(client, session):
    member = make_member(session)
    headers = auth_headers(session, member, now=ISSUED, ttl_days=3650)
    assert client.post("/api/v1/me/terms-acceptance", json={"terms_version": 1}).status_code == 401
    none_yet = client.post("/api/v1/me/terms-acceptance", json={"terms_version": 1}, headers=headers)
    assert none_yet.status_code == 422
    assert (
        client.post("/api/v1/me/terms-acceptance", json={"terms_version": "1"}, headers=headers).status_code
        == 422
    )


def test_flask_terms_publishes_and_shows(app, session, tmp_path):
    runner = app.test_cli_runner()
    assert "no terms are published" in runner.invoke(args=["terms", "show"]).output
    source = tmp_path / "terms.md"
    source.write_text("# Our terms\n\nDeposits are prize pools.\n", encoding="utf-8")
    published = runner.invoke(args=["terms", "publish", str(source)])
    assert published.exit_code == 0 and "version 1 of the terms is published" in published.output
    same = runner.invoke(args=["terms", "publish", str(source)])
    assert same.exit_code == 1 and "terms in force already" in same.output
    blank = tmp_path / "blank.md"
    blank.write_text("  \n", encoding="utf-8")
    assert runner.invoke(args=["terms", "publish", str(blank)]).exit_code == 1
    shown = runner.invoke(args=["terms", "show"])
    assert shown.output.startswith("version 1, published") and "Deposits are prize pools." in shown.output
