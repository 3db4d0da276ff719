"""A community's time zone (default: its organizer's) and alert threshold through the API."""

from __future__ import annotations

from habits.models import Community
from tests.api.helpers import auth_headers
from tests.factories import add_to_community, make_member


def test_the_zone_defaults_to_the_organizers_and_organizers_alone_read_the_threshold(client, session):
    organizer = make_member(session, timezone="Asia/Shanghai")
    headers = auth_headers(session, organizer)
    created = client.post(
        "/api/v1/communities", json={"name": "Dawn", "theme": "early-rise"}, headers=headers
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["timezone"] == "Asia/Shanghai" and body["health_alert_bps"] is None
    url = f"/api/v1/communities/{body['id']}"
    changed = client.patch(url, json={"timezone": "Europe/Paris", "health_alert_bps": 500}, headers=headers)
    assert changed.status_code == 200
    assert (changed.get_json()["timezone"], changed.get_json()["health_alert_bps"]) == ("Europe/Paris", 500)
    member = make_member(session)
    add_to_community(session, session.get(Community, body["id"]), member)
    seen = client.get(url, headers=auth_headers(session, member)).get_json()
    assert seen["timezone"] == "Europe/Paris" and seen["health_alert_bps"] is None
    off = client.patch(url, json={"health_alert_bps": None}, headers=headers)
    assert off.get_json()["health_alert_bps"] is None


def test_bad_zones_and_thresholds_are_refused(client, session):
    organizer = make_member(session)
    headers = auth_headers(session, organizer)
    bad_zone = client.post(
        "/api/v1/communities",
        json={"name": "X", "theme": "custom", "timezone": "Mars/Olympus"},
        headers=headers,
    )
    assert bad_zone.status_code == 422 and "timezone" in bad_zone.get_json()["errors"]
    community = client.post(
        "/api/v1/communities", json={"name": "X", "theme": "custom"}, headers=headers
    ).get_json()
    for value in (0, 10001, "5", 5.5, True):
        refused = client.patch(
            f"/api/v1/communities/{community['id']}", json={"health_alert_bps": value}, headers=headers
        )
        assert refused.status_code == 422, value
        assert "health_alert_bps" in refused.get_json()["errors"]
