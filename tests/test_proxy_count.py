"""Behind PROXY_COUNT trusted reverse proxies, rate limits count the clients the proxies saw."""

from __future__ import annotations

import pytest

from app import create_app
from habits.config import ConfigError
from tests.conftest import test_settings


@pytest.fixture
def app_behind(database_url, tmp_path):
    def build(proxies: int):
        return create_app({**test_settings(database_url, tmp_path), "PROXY_COUNT": proxies})

    return build


def _logins(app, forwarded_for: str) -> list[int]:
    wrong = {"email": "nobody@example.test", "password": "not the one"}
    client = app.test_client()
    headers = {"X-Forwarded-For": forwarded_for}
    return [client.post("/api/v1/auth/tokens", json=wrong, headers=headers).status_code for _ in range(2)]


@pytest.mark.parametrize(("proxies", "second_client"), [(1, [401, 401]), (0, [429, 429])])
def test_behind_trusted_proxies_each_client_has_its_own_limits(
    app_behind, session, monkeypatch, proxies, second_client
):
    """Behind a proxy every client arrives from the proxy's address: with PROXY_COUNT=1 the
    limits count the address the proxy saw; with 0 (no proxy trusted) all share one."""
    behind = app_behind(proxies)
    monkeypatch.setitem(behind.config, "RATELIMIT_LOGIN", "2/minute")
    assert _logins(behind, "203.0.113.7") == [401, 401]
    assert _logins(behind, "198.51.100.9") == second_client


def test_a_client_cannot_forge_the_address_a_trusted_proxy_saw(app_behind, session, monkeypatch):
    behind = app_behind(1)
    monkeypatch.setitem(behind.config, "RATELIMIT_LOGIN", "2/minute")
    assert _logins(behind, "203.0.113.7") == [401, 401]
    # the proxy appends what it saw; what the client wrote before it is not believed
    assert _logins(behind, "198.51.100.1, 203.0.113.7") == [429, 429]


@pytest.mark.parametrize("value", [-1, "1", True, 1.5])
def test_the_proxy_count_is_a_whole_number(database_url, tmp_path, value):
    with pytest.raises(ConfigError, match="STREAKPOT_PROXY_COUNT must be 0 or the number of reverse proxies"):
        create_app({**test_settings(database_url, tmp_path), "PROXY_COUNT": value})
