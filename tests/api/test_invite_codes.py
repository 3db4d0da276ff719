"""Invite codes: generated (never chosen), replaceable by organizers, and guessing them is
stopped: failed joins are limited per member and per address (RATELIMIT_JOIN_FAILURES)."""

from __future__ import annotations

from habits.domain import invite_codes
from tests.api.helpers import auth_headers
from tests.factories import make_community, make_member


def _join(client, community, headers, code, address="10.0.0.1"):
    return client.post(
        f"/api/v1/communities/{community.id}/members",
        json={"invite_code": code},
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )


def test_a_guessing_loop_is_stopped_with_429_and_retry_after(client, session):
    community = make_community(session, invite_code=invite_codes.new_code())
    headers = auth_headers(session, make_member(session))
    statuses = [_join(client, community, headers, f"GUESS{i:04d}").status_code for i in range(200)]
    assert statuses[:5] == [422] * 5  # the default: 5 failures a minute
    assert set(statuses[5:]) == {429}
    refused = _join(client, community, headers, community.invite_code)
    assert refused.status_code == 429  # even the right code waits: the guesser cannot tell
    assert refused.content_type == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_failures_count_per_address_across_members(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_JOIN_FAILURES", "3/hour")
    community = make_community(session, invite_code=invite_codes.new_code())
    guessers = [auth_headers(session, make_member(session)) for _ in range(4)]
    statuses = [_join(client, community, headers, "WRONG12345").status_code for headers in guessers]
    assert statuses == [422, 422, 422, 429]
    # another address is not held back by this one
    assert _join(client, community, guessers[3], "WRONG12345", address="10.0.0.2").status_code == 422


def test_failures_count_per_member_across_addresses(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_JOIN_FAILURES", "3/hour")
    community = make_community(session, invite_code=invite_codes.new_code())
    headers = auth_headers(session, make_member(session))
    statuses = [
        _join(client, community, headers, "WRONG12345", address=f"10.0.1.{i}").status_code for i in range(4)
    ]
    assert statuses == [422, 422, 422, 429]


def test_joins_that_succeed_cost_nothing(client, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_JOIN_FAILURES", "1/hour")
    for _ in range(3):
        community = make_community(session, invite_code=invite_codes.new_code())
        headers = auth_headers(session, make_member(session))
        typed = invite_codes.display(community.invite_code).lower()  # as a member types it
        assert _join(client, community, headers, typed).status_code == 201


def test_organizers_get_a_generated_code_and_may_replace_it_but_not_choose_it(client, session):
    organizer = make_member(session)
    headers = auth_headers(session, organizer)
    created = client.post(
        "/api/v1/communities",
        json={"name": "Owls", "theme": "reading", "entry": {"invite_only": True}},
        headers=headers,
    ).get_json()
    first = created["entry"]["invite_code"]
    assert len(first) >= 8 and set(first) <= set(invite_codes.ALPHABET)
    url = f"/api/v1/communities/{created['id']}"
    chosen = client.patch(url, json={"entry": {"invite_code": "OWL"}}, headers=headers)
    assert chosen.status_code == 422 and "entry.invite_code" in chosen.get_json()["errors"]
    chosen_at_creation = client.post(
        "/api/v1/communities",
        json={"name": "Owls", "theme": "reading", "entry": {"invite_code": "OWL1"}},
        headers=headers,
    )
    assert chosen_at_creation.status_code == 422
    replaced = client.patch(url, json={"entry": {"new_invite_code": True}}, headers=headers).get_json()[
        "entry"
    ]["invite_code"]
    assert replaced != first and len(replaced) >= 8
    member = auth_headers(session, make_member(session))
    community = type("C", (), {"id": created["id"]})
    assert _join(client, community, member, first).status_code == 422
    assert _join(client, community, member, replaced).status_code == 201
    opened = client.patch(url, json={"entry": {"invite_only": False}}, headers=headers).get_json()
    assert opened["entry"]["invite_code"] is None and opened["entry"]["invite_only"] is False
