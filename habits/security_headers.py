"""Security headers on every response (pages, API, errors, static files, webhooks, /healthz).

One policy, built from a table of directive -> sources, so a change of what the pages may load
is a change in one place:

- ``POLICY``: what every page gets. Scripts and ``<style>`` blocks run only from this site or
  with this request's nonce (templates write ``nonce="{{ csp_nonce() }}"``); no
  ``'unsafe-inline'`` anywhere, so inline ``style=""`` attributes and ``onclick=`` handlers are
  blocked too (templates use classes from a stylesheet and scripts with the nonce; a script may
  still set ``element.style`` from JS). Images come from this site (photos are served by the
  app) or ``data:`` URLs.
- ``WHEN_SETTING``: what a setting's value adds (Stripe.js's hosts when PAYMENTS_MODE=stripe,
  as Stripe's CSP guide lists them).
- ``CSP_EXTRA_SOURCES`` (a setting, e.g. ``STREAKPOT_CSP_EXTRA_SOURCES='{"img-src":
  ["https://photos.example-bucket.s3.amazonaws.com"]}'`` for photos moved to an object store):
  what an operator adds, checked at start-up.
- ``allow(app, directive, *sources)``: what code adds while the app is built (a later feature's
  ``init_*``). A service worker served from this site needs nothing: ``worker-src 'self'``.

A view may set its own, stricter header on its response: the edge fills in only what is missing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping

from flask import Flask, current_app, has_request_context, request

from habits.config import ConfigError

#: stands for this request's ``'nonce-…'`` in the table
NONCE = "'nonce'"

POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'", NONCE),
    "style-src": ("'self'", NONCE),
    "img-src": ("'self'", "data:"),
    "connect-src": ("'self'",),
    "font-src": ("'self'",),
    "worker-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

#: (setting, value) -> directive -> sources added when the setting has that value
WHEN_SETTING: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("PAYMENTS_MODE", "stripe"): {
        "script-src": ("https://js.stripe.com", "https://*.js.stripe.com"),
        "frame-src": ("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"),
        "connect-src": ("https://api.stripe.com",),
    },
}

#: directives a setting or a feature may widen (fetches and form targets, never who frames us)
EXTENSIBLE = frozenset(
    {
        "script-src",
        "style-src",
        "img-src",
        "connect-src",
        "font-src",
        "frame-src",
        "worker-src",
        "media-src",
        "manifest-src",
        "form-action",
    }
)
#: the promise of this policy: none of these, from any setting or feature
REFUSED_SOURCES = frozenset({"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", NONCE})

# same-origin: our own pages see the full referring URL; other sites see nothing (paths carry
# challenge, enrollment and check-in ids). Flask-WTF's HTTPS check still gets its same-site Referer.
REFERRER_POLICY = "same-origin"
# camera for this site only: the check-in page's photo input (capture="environment") opens it
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"

EXTENSION_KEY = "streakpot.csp"
_NONCE_KEY = "streakpot.csp_nonce"


class ContentSecurityPolicy:
    """Directive -> sources, rendered with a request's nonce."""

    #: stands for the nonce in the rendered policy (a source is printable, so never holds it)
    _NONCE_MARK = "\0"

    def __init__(self, directives: Mapping[str, Iterable[str]]):
        self.directives: dict[str, list[str]] = {name: list(sources) for name, sources in directives.items()}
        #: the policy rendered once with the nonce's mark: every response only puts its nonce in
        self._rendered: str | None = None

    def allow(self, directive: str, *sources: str) -> None:
        """Add ``sources`` to ``directive``; a fetch directive not yet listed starts from
        ``default-src`` (listing it replaces the fallback, which would drop 'self')."""
        problem = refusal(directive, sources)
        if problem:
            raise ValueError(problem)
        current = self.directives.setdefault(directive, list(self.directives["default-src"]))
        current.extend(source for source in sources if source not in current)
        self._rendered = None

    def header(self, nonce: str) -> str:
        if self._rendered is None:
            mark = f"'nonce-{self._NONCE_MARK}'"
            self._rendered = "; ".join(
                " ".join([name, *(mark if source == NONCE else source for source in sources)])
                for name, sources in self.directives.items()
            )
        return self._rendered.replace(self._NONCE_MARK, nonce)


def refusal(directive: object, sources: object) -> str | None:
    """Why ``directive`` may not be widened with ``sources`` (None if it may)."""
    if directive not in EXTENSIBLE:
        return f"{directive!r} is not one of {', '.join(sorted(EXTENSIBLE))}"
    if isinstance(sources, str) or not isinstance(sources, list | tuple):
        return f"the sources of {directive} must be a list of strings"
    for source in sources:
        one_token = isinstance(source, str) and source.isprintable() and not any(c in source for c in " ;,")
        if not source or not one_token:
            return f"{source!r} in {directive} is not one source (no spaces, ';' or ',')"
        if source.lower() in REFUSED_SOURCES:
            return f"{source} in {directive} would undo the policy"
        if directive == "script-src" and not source.startswith("https://"):
            return f"{source} in script-src is not an https:// host"
    return None


def policy_for(config: Mapping) -> ContentSecurityPolicy:
    """The base table, what the settings' values add, then the operator's CSP_EXTRA_SOURCES."""
    policy = ContentSecurityPolicy(POLICY)
    for (setting, value), additions in WHEN_SETTING.items():
        if config.get(setting) == value:
            for directive, sources in additions.items():
                policy.allow(directive, *sources)
    extra = config.get("CSP_EXTRA_SOURCES") or {}
    if not isinstance(extra, Mapping):
        raise ConfigError("STREAKPOT_CSP_EXTRA_SOURCES must map directives to lists of sources.")
    for directive, sources in extra.items():
        problem = refusal(directive, sources)
        if problem:
            raise ConfigError(f"STREAKPOT_CSP_EXTRA_SOURCES: {problem}.")
        policy.allow(directive, *sources)
    return policy


def init_security_headers(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = policy_for(app.config)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_security_headers)


def allow(app: Flask, directive: str, *sources: str) -> None:
    """Let every page load ``sources`` for ``directive`` (call while the app is being built)."""
    app.extensions[EXTENSION_KEY].allow(directive, *sources)


def csp_nonce() -> str:
    """This request's nonce (one per request, unguessable); empty outside a request."""
    if not has_request_context():
        return ""
    nonce = request.environ.get(_NONCE_KEY)
    if nonce is None:
        nonce = request.environ[_NONCE_KEY] = secrets.token_urlsafe(18)
    return nonce


def add_security_headers(response):
    headers = response.headers
    policy: ContentSecurityPolicy = current_app.extensions[EXTENSION_KEY]
    headers.setdefault("Content-Security-Policy", policy.header(csp_nonce()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for browsers without CSP 2
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if current_app.config["STREAKPOT_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
