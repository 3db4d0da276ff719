"""URLs an organizer can make the server call (chat webhooks, later): checked before they are
saved, and again before each call.

A URL passes when:

- it is ``https://``, at most ``MAX_URL_CHARS`` long, with no spaces or control characters, no
  ``user:password@`` and no port but 443 (any port when loopback is allowed, for tests);
- its host is a DNS name, or an IP address written the standard way. Any other all-number host
  (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``) is refused: resolvers read those as
  addresses, each in its own way;
- in production, the host is in the allowlist of the URL's kind (setting OUTBOUND_URL_HOSTS,
  e.g. ``{"chat_webhook": ["hooks.slack.com", ".webhook.office.com"]}``; an entry starting with
  a dot allows the names under it);
- EVERY address the host resolves to is a public unicast one: never loopback, private, shared
  (100.64/10), link-local, site-local, multicast, unspecified, reserved or documentation, and an
  IPv4 address carried inside IPv6 (mapped, 6to4, NAT64) is judged as that IPv4 address. Only
  the tests' setting OUTBOUND_URLS_ALLOW_LOOPBACK lets loopback through (and nothing else),
  over plain ``http://`` too (a test's local receiver has no certificate), never a public host.

``check_outbound_url`` returns the addresses it checked: the caller connects to one of them (the
name only for TLS and ``Host``), so a DNS answer that changes after the check (rebinding) is never
followed. Refusals are 422s on the URL's field, each with its own code.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from habits.services.errors import FieldError, InvalidInput

MAX_URL_CHARS = 2048
#: a label that makes a host read as a number (decimal, octal with a leading 0, hex with 0x)
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)", re.ASCII)
_DNS_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.ASCII)
#: IPv6 prefixes whose last 32 bits are an IPv4 address a gateway would reach (RFC 6052, 8215)
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]


class OutboundUrlRefused(InvalidInput):
    """A URL the server must not be made to call."""

    code = "outbound_url_refused"


@dataclass(frozen=True)
class OutboundPolicy:
    #: kind -> hosts allowed (production); None: any public host
    allowed_hosts: Mapping[str, Iterable[str]] | None
    #: tests only: loopback addresses (and any port) pass
    allow_loopback: bool = False

    @classmethod
    def from_settings(cls, settings: Mapping) -> OutboundPolicy:
        """The policy the app's settings give (the allowlist binds in production only)."""
        production = settings.get("STREAKPOT_ENV") == "production"
        return cls(
            allowed_hosts=settings.get("OUTBOUND_URL_HOSTS") or {} if production else None,
            allow_loopback=bool(settings.get("OUTBOUND_URLS_ALLOW_LOOPBACK"))
            and settings.get("STREAKPOT_ENV") == "test",
        )


@dataclass(frozen=True)
class CheckedUrl:
    url: str
    #: the name (or literal) to send as TLS server name and ``Host``
    host: str
    port: int
    #: every address the host had when checked: connect to one of these, nothing else
    addresses: tuple[str, ...]


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system's resolver)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def check_outbound_url(
    url: str,
    *,
    kind: str,
    policy: OutboundPolicy,
    field: str = "url",
    resolve: Resolver = resolve_host,
) -> CheckedUrl:
    """``url`` checked for a call of ``kind`` under ``policy``; OutboundUrlRefused otherwise."""

    def refuse(code: str, message: str, **params):
        raise OutboundUrlRefused(message, errors={field: [FieldError(code, message, **params)]})

    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS:
        refuse("url_length", f"Give a URL of at most {MAX_URL_CHARS} characters.", max=MAX_URL_CHARS)
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        refuse("url_spaces", "A URL has no spaces or control characters.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and policy.allow_loopback):
        refuse("url_not_https", "The URL must start with https://.")
    if "@" in parts.netloc:
        refuse("url_credentials", "The URL must not carry a user name or password.")
    try:
        port = parts.port or 443
    except ValueError:
        refuse("url_port", "The URL's port is not a number from 1 to 65535.")
    if port != 443 and not policy.allow_loopback:
        refuse("url_port", "The URL must use the standard HTTPS port (443).")
    host = _host(parts.hostname, refuse)
    if policy.allowed_hosts is not None and not _allowed(host, policy.allowed_hosts.get(kind, ())):
        refuse("url_host_not_allowed", f"{host} is not among the hosts allowed here.", host=host)
    literal = _ip(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = list(resolve(host, port))
        except (OSError, UnicodeError):
            addresses = []
        if not addresses:
            refuse("url_host_unknown", f"{host} could not be found.", host=host)
    for text in addresses:
        address = _ip(text.split("%", 1)[0])  # an IPv6 scope ("%eth0") says nothing of the address
        if address is None or not _public(address, allow_loopback=policy.allow_loopback):
            refuse("url_private_address", f"{host} is not a public address on the internet.", host=host)
        if scheme == "http" and not address.is_loopback:
            refuse("url_not_https", "The URL must start with https://.")
    return CheckedUrl(url=url, host=host, port=port, addresses=tuple(addresses))


def _host(hostname: str | None, refuse) -> str:
    """The URL's host, lower case, a DNS name in ASCII (IDNA) or an IP literal."""
    if not hostname:
        refuse("url_no_host", "The URL has no host.")
    if _ip(hostname) is not None:
        return hostname
    try:
        host = hostname.encode("idna").decode("ascii").lower().removesuffix(".")
    except UnicodeError:
        refuse("url_bad_host", "The URL's host is not a valid name.")
    labels = host.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        # no top-level domain is a number: this host is an address in a non-standard spelling
        refuse("url_numeric_host", "Write an IP address as four decimal numbers, or use a name.")
    if len(host) > 253 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        refuse("url_bad_host", "The URL's host is not a valid name.")
    return host


def _ip(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _allowed(host: str, entries: Iterable[str]) -> bool:
    for entry in entries:
        entry = entry.lower()
        if host == entry or (entry.startswith(".") and host.endswith(entry)):
            return True
    return False


def _public(address: Address, *, allow_loopback: bool) -> bool:
    """Whether calling ``address`` reaches the public internet (and only that)."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = address.ipv4_mapped or address.sixtofour
        if carried is None and any(address in prefix for prefix in _NAT64):
            carried = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if carried is not None:
            return _public(carried, allow_loopback=allow_loopback)
        if address.is_site_local:
            return False
    if address.is_loopback:
        return allow_loopback
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )
