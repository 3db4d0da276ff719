"""Joining again through the API after leaving before day 0: a new enrollment (201) with its own
deposit, which the challenge then names as the member's; never while one is still live."""

from __future__ import annotations

from sqlalchemy import select

import ledger
from habits import books
from tests.api.helpers import auth_headers
from tests.api.test_enrollments import BEFORE_START, join, wallet_minor
from tests.factories import add_to_community, make_member
from tests.timehelpers import travel


def test_a_member_who_left_before_day_zero_joins_again_and_pays_from_the_wallet(client, session, world):
    member = make_member(session)
    add_to_community(session, world.community, member)
    headers = auth_headers(session, member, now=BEFORE_START)
    first = join(client, world.challenge, headers).get_json()
    with travel(BEFORE_START):
        assert (
            client.post(first["payment"]["offline_confirm_url"], json={}, headers=headers).status_code < 300
        )
        left = client.post(f"/api/v1/enrollments/{first['id']}/withdrawal", headers=headers)
    assert left.get_json()["status"] == "withdrawn" and wallet_minor(session, member) == 7000

    again = join(client, world.challenge, headers, pay_from_wallet=True)
    assert again.status_code == 201, again.get_json()
    second = again.get_json()
    assert second["id"] != first["id"] and second["status"] == "active" and second["held_minor"] == 7000
    assert wallet_minor(session, member) == 0
    keys = session.scalars(
        select(ledger.LedgerTransaction.key).where(
            ledger.LedgerTransaction.key.in_(
                [books.deposit_key(first["id"]), books.deposit_key(second["id"])]
            )
        )
    ).all()
    assert len(keys) == 2

    with travel(BEFORE_START):
        detail = client.get(f"/api/v1/challenges/{world.challenge.id}", headers=headers).get_json()
        refused = client.post(
            f"/api/v1/challenges/{world.challenge.id}/enrollments", json={}, headers=headers
        )
    assert detail["my_enrollment_id"] == second["id"]
    assert refused.status_code == 409 and refused.get_json()["enrollment_id"] == second["id"]
