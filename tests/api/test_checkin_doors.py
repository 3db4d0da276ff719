"""The check-in's doors: a made-up token is refused before its body is read, failed
authentications are limited per address (refused cheaply once over), the JSON body is bounded,
and a number typed as text is bounded before anything converts it."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from habits.extensions import limiter
from habits.models import CheckIn
from habits.services import photos
from habits.web import forms
from tests.api.test_checkins import PNG, checkin_url
from tests.factories import at_local, make_challenge, make_community, make_enrollment, make_member
from tests.timehelpers import travel
from tests.web.helpers import csrf_token, log_in

MADE_UP = {"Authorization": "Bearer made-up-token"}


@pytest.fixture
def photo_reads(monkeypatch) -> list[int]:
    """Every photo the API reads (its byte count)."""
    reads: list[int] = []
    accept = photos.accept_photo

    def spy(data, **kwargs):
        reads.append(len(data))
        return accept(data, **kwargs)

    monkeypatch.setattr(photos, "accept_photo", spy)
    return reads


def test_a_made_up_token_is_refused_before_its_photo_form_is_read(client, world, photo_reads):
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(
            checkin_url(world.owner_enrollment),
            data={"note": "hi", "photo": (io.BytesIO(PNG + b"\x00" * 100_000), "p.png")},
            headers=MADE_UP,
        )
    assert response.status_code == 401
    assert photo_reads == []


def test_a_made_up_token_learns_nothing_of_the_body_rules(client, world):
    """The form (or JSON) was checked before the token: a made-up token got 422s that described
    the body. Now every door answers 401 first."""
    with travel(at_local(world.challenge, 0, "05:30")):
        form = client.post(
            checkin_url(world.owner_enrollment),
            data={"unknown": "x", "value": "-1"},
            content_type="multipart/form-data",
            headers=MADE_UP,
        )
        invalid = client.post(checkin_url(world.owner_enrollment), json={"value": "lots"}, headers=MADE_UP)
        huge = client.post(checkin_url(world.owner_enrollment), json={"note": "x" * 20_000}, headers=MADE_UP)
    assert (form.status_code, invalid.status_code, huge.status_code) == (401, 401, 401)


def test_a_member_still_gets_a_photo_check_in_and_the_body_rules(client, session, world, photo_reads):
    with travel(at_local(world.challenge, 0, "05:30")):
        invalid = client.post(
            checkin_url(world.owner_enrollment),
            data={"value": "lots"},
            content_type="multipart/form-data",
            headers=world.as_("owner"),
        )
        created = client.post(
            checkin_url(world.owner_enrollment),
            data={"note": "up", "value": "3", "photo": (io.BytesIO(PNG), "p.png")},
            headers=world.as_("owner"),
        )
    assert invalid.status_code == 422 and "value" in invalid.get_json()["errors"]
    assert created.status_code == 201 and created.get_json()["has_photo"] is True
    assert photo_reads == [len(PNG)]


def test_a_json_body_over_its_bound_is_413(client, session, world):
    """A note may be 2,000 characters: a body of more than 16 KiB is refused unread (it was read
    whole, up to MAX_CONTENT_LENGTH, and parsed)."""
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(
            checkin_url(world.owner_enrollment),
            data=json.dumps({"note": "x" * 17_000}),
            content_type="application/json",
            headers=world.as_("owner"),
        )
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_deeply_nested_json_is_400_not_500(client, world):
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(
            checkin_url(world.owner_enrollment),
            data=b"[" * 5_000 + b"]" * 5_000,
            content_type="application/json",
            headers=world.as_("owner"),
        )
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"


# -- failed authentication, per address -------------------------------------------------------


def test_failed_authentications_are_limited_per_address(app, client, world, monkeypatch):
    """Made-up tokens were never limited: each one is a fresh key of the check-in's own limit."""
    monkeypatch.setitem(app.config, "RATELIMIT_AUTH_FAILURES", "3/minute")
    url = checkin_url(world.owner_enrollment)
    with travel(at_local(world.challenge, 0, "05:30")):
        codes = [
            client.post(url, json={}, headers={"Authorization": f"Bearer made-up-{i}"}).status_code
            for i in range(3)
        ]
        # the fourth is over: refused before its token is looked at, even a real one
        refused = client.post(url, json={}, headers=world.as_("owner"))
        missing = client.post(url, json={})
        elsewhere = client.post(
            url, json={}, headers=world.as_("owner"), environ_base={"REMOTE_ADDR": "10.9.8.7"}
        )
    assert codes == [401, 401, 401]
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.content_type == "application/problem+json"
    assert missing.status_code == 429
    assert elsewhere.status_code == 201


def test_an_address_over_the_limit_is_refused_without_authenticating(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_AUTH_FAILURES", "2/minute")
    looked_up = []
    monkeypatch.setattr(
        "habits.api.checkins.checkins.check_in_with_token", lambda *a, **k: looked_up.append(1)
    )
    url = checkin_url(world.owner_enrollment)
    client.post(url, json={})  # a missing token fails authentication too
    assert client.get("/api/v1/me").status_code == 401  # any API route counts: spent now
    assert client.post(url, json={}, headers=world.as_("owner")).status_code == 429
    assert client.get("/api/v1/me", headers=world.as_("owner")).status_code == 429
    assert looked_up == []


def test_the_address_is_forgiven_when_its_budget_is_back(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_AUTH_FAILURES", "1/minute")
    for _ in range(2):
        client.get("/api/v1/me")
    assert client.get("/api/v1/me", headers=world.as_("owner")).status_code == 429
    with app.app_context():
        limiter.reset()  # as a new window would
    assert client.get("/api/v1/me", headers=world.as_("owner")).status_code == 200


class StorageCalls:
    def __init__(self, monkeypatch):
        self.calls: list[str] = []
        strategy = limiter.limiter
        for name in ("hit", "test", "get_window_stats"):
            original = getattr(strategy, name)
            monkeypatch.setattr(strategy, name, self._counting(name, original))

    def _counting(self, name, original):
        def counted(*args, **kwargs):
            self.calls.append(name)
            return original(*args, **kwargs)

        return counted


def test_a_successful_tap_makes_one_storage_call_even_with_a_refused_address_about(
    app, client, world, monkeypatch
):
    """The failure limit costs a successful tap nothing: no storage call is added to the check-in
    limit's one, even while another address is being refused."""
    monkeypatch.setitem(app.config, "RATELIMIT_AUTH_FAILURES", "1/minute")
    attacker = {"REMOTE_ADDR": "192.0.2.66"}
    for _ in range(2):
        client.post(checkin_url(world.owner_enrollment), json={}, headers=MADE_UP, environ_base=attacker)
    storage = StorageCalls(monkeypatch)
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(checkin_url(world.owner_enrollment), json={}, headers=world.as_("owner"))
    assert response.status_code == 201
    assert storage.calls == ["hit"]


# -- the value, typed as text -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["0" * 40 + "1", "1e5", "1_000", " NaN", "-0"])
def test_a_value_typed_as_text_is_bounded_and_plain(client, session, world, value):
    """``value`` in a form (or as a JSON string) was converted however long ("000...01" was 1.0)
    and in any notation float() reads; now: plain digits, at most 32 characters, else 422."""
    with travel(at_local(world.challenge, 0, "05:30")):
        form = client.post(
            checkin_url(world.owner_enrollment),
            data={"value": value},
            content_type="multipart/form-data",
            headers=world.as_("owner"),
        )
        text = client.post(
            checkin_url(world.other_enrollment), json={"value": value}, headers=world.as_("other")
        )
    for response in (form, text):
        assert response.status_code == 422
        assert "at most 32 characters" in response.get_json()["errors"]["value"][0]
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_a_plain_value_as_text_still_counts(client, world):
    with travel(at_local(world.challenge, 0, "05:30")):
        response = client.post(
            checkin_url(world.owner_enrollment),
            data={"value": " 5.25 "},
            content_type="multipart/form-data",
            headers=world.as_("owner"),
        )
    assert response.status_code == 201 and response.get_json()["value"] == 5.25


def test_the_page_bounds_the_value_before_converting_it(app, client, session, monkeypatch):
    """The check-in page read any length of text into a Decimal (the length check did not stop it)."""
    converted = []
    monkeypatch.setattr(forms, "Decimal", lambda text: converted.append(len(text)) or Decimal(text))
    member = make_member(session)
    challenge = make_challenge(session, make_community(session))
    enrollment = make_enrollment(session, challenge, member)
    with travel(at_local(challenge, 0, "05:30")):
        log_in(client, member)
        url = f"/enrollments/{enrollment.id}/checkin"
        token = csrf_token(client.get(url).data)
        refused = client.post(url, data={"csrf_token": token, "value": "9" * 100_000})
        taken = client.post(url, data={"csrf_token": token, "value": "5,2"})
    assert refused.status_code == 422
    assert taken.status_code == 302
    assert converted and max(converted) <= 3  # "5.2" (and the bound 1e9), never the long text
