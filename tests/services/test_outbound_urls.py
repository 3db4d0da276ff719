"""URLs an organizer can make the server call: HTTPS, public addresses only (every address the
host resolves to), the production allowlist per kind. No network: IP literals, and a resolver
given by each test."""

from __future__ import annotations

import socket

import pytest

from habits.services import outbound_urls
from habits.services.outbound_urls import OutboundPolicy, OutboundUrlRefused, check_outbound_url

OPEN = OutboundPolicy(allowed_hosts=None)
PRODUCTION = OutboundPolicy(allowed_hosts={"chat_webhook": ["hooks.slack.com", ".webhook.office.com"]})
TESTS = OutboundPolicy(allowed_hosts=None, allow_loopback=True)
PUBLIC = "93.184.215.14"


def resolver(*addresses: str):
    def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


def refusal(url: str, policy: OutboundPolicy = OPEN, resolve=None) -> str:
    with pytest.raises(OutboundUrlRefused) as refused:
        check_outbound_url(url, kind="chat_webhook", policy=policy, resolve=resolve or resolver(PUBLIC))
    (error,) = refused.value.errors["url"]
    assert refused.value.status == 422
    return error.code


def test_a_public_https_url_passes_with_the_addresses_to_connect_to():
    checked = check_outbound_url(
        "https://Hooks.Example.com./services/T1", kind="chat_webhook", policy=OPEN, resolve=resolver(PUBLIC)
    )
    assert (checked.host, checked.port, checked.addresses) == ("hooks.example.com", 443, (PUBLIC,))


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://hooks.example.com/x", "url_not_https"),
        ("ftp://hooks.example.com/x", "url_not_https"),
        ("//hooks.example.com/x", "url_not_https"),
        ("https://user:pw@hooks.example.com/x", "url_credentials"),
        ("https://hooks.example.com@10.0.0.1/x", "url_credentials"),
        ("https://hooks.example.com:8443/x", "url_port"),
        ("https://hooks.example.com:99999/x", "url_port"),
        ("https://hooks.example.com/x y", "url_spaces"),
        ("https://hooks.example.com/x\r\nHost: evil", "url_spaces"),
        ("https:///x", "url_no_host"),
        ("https://" + "a" * 2050 + ".com/", "url_length"),
        ("https://bad_host.example.com/", "url_bad_host"),
        ("https://-x.example.com/", "url_bad_host"),
    ],
)
def test_only_plain_https_urls_pass(url, code):
    assert refusal(url) == code


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "192.0.2.1",  # documentation
        "[::1]",
        "[::]",
        "[fe80::1]",
        "[fc00::1]",
        "[fec0::1]",
        "[ff02::1]",
        "[::ffff:127.0.0.1]",  # IPv4-mapped
        "[::ffff:10.0.0.1]",
        "[2002:7f00:1::]",  # 6to4 around 127.0.0.1
        "[64:ff9b::a9fe:a9fe]",  # NAT64 around 169.254.169.254
        "[2001:db8::1]",
    ],
)
def test_ip_literals_outside_the_public_internet_are_refused(host):
    assert refusal(f"https://{host}/hook") == "url_private_address"


@pytest.mark.parametrize(
    "host", ["2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1", "127.1", "127.0.0.01", "1.2.3.4."]
)
def test_numbers_spelled_another_way_are_refused_as_hosts(host):
    """Resolvers read these as 127.0.0.1 (or another address) each in its own way."""
    assert refusal(f"https://{host}/hook") == "url_numeric_host"


@pytest.mark.parametrize(
    "addresses", [("127.0.0.1",), (PUBLIC, "10.0.0.5"), ("::1",), (PUBLIC, "fe80::1%eth0"), ("not an ip",)]
)
def test_every_address_a_name_resolves_to_must_be_public(addresses):
    assert refusal("https://hooks.example.com/x", resolve=resolver(*addresses)) == "url_private_address"


def test_a_name_that_does_not_resolve_is_refused():
    def fails(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    assert refusal("https://nowhere.example.com/x", resolve=fails) == "url_host_unknown"
    assert refusal("https://empty.example.com/x", resolve=resolver()) == "url_host_unknown"


def test_the_system_resolver_is_asked_for_names_only(monkeypatch):
    asked = []

    def getaddrinfo(host, port, type=0):
        asked.append((host, port))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(outbound_urls.socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(OutboundUrlRefused):
        check_outbound_url("https://rebind.example.com/x", kind="chat_webhook", policy=OPEN)
    with pytest.raises(OutboundUrlRefused):
        check_outbound_url("https://127.0.0.1/x", kind="chat_webhook", policy=OPEN)
    assert asked == [("rebind.example.com", 443)]


def test_production_allows_only_the_kinds_listed_hosts():
    ok = check_outbound_url(
        "https://hooks.slack.com/services/X", kind="chat_webhook", policy=PRODUCTION, resolve=resolver(PUBLIC)
    )
    assert ok.host == "hooks.slack.com"
    sub = check_outbound_url(
        "https://acme.webhook.office.com/x", kind="chat_webhook", policy=PRODUCTION, resolve=resolver(PUBLIC)
    )
    assert sub.host == "acme.webhook.office.com"
    assert refusal("https://hooks.slack.com.evil.test/x", PRODUCTION) == "url_host_not_allowed"
    assert refusal("https://evilwebhook.office.com/x", PRODUCTION) == "url_host_not_allowed"
    assert refusal("https://webhook.office.com.evil.test/x", PRODUCTION) == "url_host_not_allowed"
    with pytest.raises(OutboundUrlRefused):
        check_outbound_url(
            "https://hooks.slack.com/x", kind="payout_hook", policy=PRODUCTION, resolve=resolver(PUBLIC)
        )


def test_an_allowed_host_must_still_resolve_to_public_addresses():
    assert refusal("https://hooks.slack.com/x", PRODUCTION, resolver("10.0.0.1")) == "url_private_address"


def test_the_tests_setting_lets_loopback_through_and_nothing_else():
    checked = check_outbound_url(
        "https://localhost:8443/hook", kind="chat_webhook", policy=TESTS, resolve=resolver("127.0.0.1", "::1")
    )
    assert checked.port == 8443 and checked.addresses == ("127.0.0.1", "::1")
    assert refusal("https://10.0.0.1/x", TESTS) == "url_private_address"
    assert refusal("https://[fe80::1]/x", TESTS) == "url_private_address"


@pytest.mark.parametrize(
    ("settings", "allowlist", "loopback"),
    [
        ({"STREAKPOT_ENV": "demo"}, None, False),
        (
            {"STREAKPOT_ENV": "production", "OUTBOUND_URL_HOSTS": {"chat_webhook": ["a.test"]}},
            {"chat_webhook": ["a.test"]},
            False,
        ),
        ({"STREAKPOT_ENV": "production"}, {}, False),
        ({"STREAKPOT_ENV": "test", "OUTBOUND_URLS_ALLOW_LOOPBACK": True}, None, True),
        ({"STREAKPOT_ENV": "demo", "OUTBOUND_URLS_ALLOW_LOOPBACK": True}, None, False),
    ],
)
def test_the_policy_comes_from_the_settings(settings, allowlist, loopback):
    policy = OutboundPolicy.from_settings(settings)
    assert (policy.allowed_hosts, policy.allow_loopback) == (allowlist, loopback)


def test_loopback_outside_tests_stops_start_up(database_url, tmp_path):
    from app import create_app
    from habits.config import ConfigError
    from tests.conftest import test_settings

    settings = {
        **test_settings(database_url, tmp_path),
        "STREAKPOT_ENV": "demo",
        "OUTBOUND_URLS_ALLOW_LOOPBACK": True,
    }
    with pytest.raises(ConfigError, match="OUTBOUND_URLS_ALLOW_LOOPBACK is for tests only"):
        create_app(settings)


def test_the_tests_setting_lets_plain_http_reach_loopback_only():
    """A test's local receiver has no certificate: http passes to loopback under the tests'
    setting, never to a public host, and never without the setting."""
    checked = check_outbound_url(
        "http://127.0.0.1:8080/hook", kind="chat_webhook", policy=TESTS, resolve=resolver("127.0.0.1")
    )
    assert checked.addresses == ("127.0.0.1",)
    assert refusal("http://hooks.example.com/x", TESTS, resolver(PUBLIC)) == "url_not_https"
    assert refusal("http://127.0.0.1:8080/hook", OPEN) == "url_not_https"
