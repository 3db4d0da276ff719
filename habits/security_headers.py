"""Security headers on every response (pages, API, errors, static files, webhooks, /healthz).

One policy, built from a table of directive -> sources, so a change of what the pages may load
is a change in one place:

- ``POLICY``: what every page gets. Scripts and ``<style>`` blocks run only from this site or
  with this request's nonce (templates write ``nonce="{{ csp_nonce() }}"``); no
  ``'unsafe-inline'`` anywhere, so inline ``style=""`` attributes and ``onclick=`` handlers are
  blocked too (templates use classes from a stylesheet and scripts with the nonce; a script may
  still set ``element.style`` from JS). Images come from this site (photos are served by the
  app) or ``data:`` URLs.
- ``PAGE_ADDITIONS``: what one kind of page adds, when the settings call for it, and only on the
  pages that ask for it (``use_page_policy``). Stripe.js is the one script the pages take from
  another site: with PAYMENTS_MODE=stripe the pay page adds its hosts as Stripe's CSP guide
  lists them (script-src and frame-src js.stripe.com, frame-src hooks.stripe.com for 3-D Secure,
  connect-src api.stripe.com), or the origin of a test stand-in (``STRIPE_JS_URL``); every other
  page, the check-in page first, keeps the policy without them.
- ``CSP_EXTRA_SOURCES`` (a setting, e.g. ``STREAKPOT_CSP_EXTRA_SOURCES='{"img-src":
  ["https://photos.example-bucket.s3.amazonaws.com"]}'`` for photos moved to an object store):
  what an operator adds to every page, checked at start-up.
- ``allow(app, directive, *sources)``: what code adds while the app is built (a later feature's
  ``init_*``). A service worker served from this site needs nothing: ``worker-src 'self'``.

Each policy is rendered once; a response only puts its nonce in. A view may set its own,
stricter header on its response: the edge fills in only what is missing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request

from habits.config import STRIPE_JS, ConfigError

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

#: what a page that loads Stripe.js from Stripe adds (Stripe's CSP guide, docs.stripe.com/security)
STRIPE_JS_SOURCES: dict[str, tuple[str, ...]] = {
    "script-src": ("https://js.stripe.com", "https://*.js.stripe.com"),
    "frame-src": ("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"),
    "connect-src": ("https://api.stripe.com",),
}
#: the loopback hosts a test stand-in of Stripe.js may be served from over plain http
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def stripe_js_sources(config: Mapping) -> dict[str, tuple[str, ...]] | None:
    """What the pay page adds to load Stripe.js: Stripe's hosts, or a stand-in's own origin
    (STRIPE_JS_URL elsewhere, which habits.config allows outside production only); None
    when payments are offline (no page loads Stripe.js then)."""
    if config.get("PAYMENTS_MODE") != "stripe":
        return None
    url = config.get("STRIPE_JS_URL") or STRIPE_JS
    if url.startswith("https://js.stripe.com/"):
        return STRIPE_JS_SOURCES
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return {"script-src": (origin,), "frame-src": (origin,), "connect-src": (origin,)}


#: page kind -> what its policy adds, from the settings (None: not configured, nothing added)
PAGE_ADDITIONS: dict[str, Callable[[Mapping], Mapping[str, Iterable[str]] | None]] = {
    "stripe_js": stripe_js_sources,
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
#: page kind -> its policy (only the kinds the settings call for)
PAGES_KEY = "streakpot.csp_pages"
_NONCE_KEY = "streakpot.csp_nonce"
_PAGE_KEY = "streakpot.csp_page"


class ContentSecurityPolicy:
    """Directive -> sources, rendered with a request's nonce."""

    #: stands for the nonce in the rendered policy (a source is printable, so never holds it)
    _NONCE_MARK = "\0"

    def __init__(self, directives: Mapping[str, Iterable[str]]):
        self.directives: dict[str, list[str]] = {name: list(sources) for name, sources in directives.items()}
        #: the policy rendered once with the nonce's mark: every response only puts its nonce in
        self._rendered: str | None = None

    def allow(self, directive: str, *sources: str, loopback_http: bool = False) -> None:
        """Add ``sources`` to ``directive``; a fetch directive not yet listed starts from
        ``default-src`` (listing it replaces the fallback, which would drop 'self')."""
        problem = refusal(directive, sources, loopback_http=loopback_http)
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


def refusal(directive: object, sources: object, *, loopback_http: bool = False) -> str | None:
    """Why ``directive`` may not be widened with ``sources`` (None if it may). ``loopback_http``
    lets script-src take an http:// origin on this machine (a test stand-in, never production)."""
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
        plain_http_allowed = loopback_http and _is_loopback_http(source)
        if directive == "script-src" and not source.startswith("https://") and not plain_http_allowed:
            return f"{source} in script-src is not an https:// host"
    return None


def _is_loopback_http(source: str) -> bool:
    parts = urlsplit(source)
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS


def policy_for(config: Mapping, page: str | None = None) -> ContentSecurityPolicy:
    """The base table, what ``page``'s kind adds under these settings, then the operator's
    CSP_EXTRA_SOURCES."""
    policy = ContentSecurityPolicy(POLICY)
    additions = PAGE_ADDITIONS[page](config) if page else None
    for directive, sources in (additions or {}).items():
        # a stand-in on loopback http is for tests: habits.config refuses it in production
        policy.allow(directive, *sources, loopback_http=config.get("STREAKPOT_ENV") != "production")
    extra = config.get("CSP_EXTRA_SOURCES") or {}
    if not isinstance(extra, Mapping):
        raise ConfigError("STREAKPOT_CSP_EXTRA_SOURCES must map directives to lists of sources.")
    for directive, sources in extra.items():
        problem = refusal(directive, sources)
        if problem:
            raise ConfigError(f"STREAKPOT_CSP_EXTRA_SOURCES: {problem}.")
        policy.allow(directive, *sources)
    return policy


def page_policies_for(config: Mapping) -> dict[str, ContentSecurityPolicy]:
    """The policy of each kind of page the settings call for (none in the offline mode)."""
    return {page: policy_for(config, page) for page, additions in PAGE_ADDITIONS.items() if additions(config)}


def init_security_headers(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = policy_for(app.config)
    app.extensions[PAGES_KEY] = page_policies_for(app.config)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_security_headers)


def allow(app: Flask, directive: str, *sources: str) -> None:
    """Let every page load ``sources`` for ``directive`` (call while the app is being built)."""
    for policy in (app.extensions[EXTENSION_KEY], *app.extensions[PAGES_KEY].values()):
        policy.allow(directive, *sources)


def use_page_policy(page: str) -> bool:
    """This response gets ``page``'s policy (e.g. "stripe_js": the pay page loads Stripe.js);
    False, and the common policy stays, when the settings do not call for it."""
    if page not in current_app.extensions[PAGES_KEY]:
        return False
    request.environ[_PAGE_KEY] = page
    return True


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
    page = request.environ.get(_PAGE_KEY)
    policy: ContentSecurityPolicy = (
        current_app.extensions[PAGES_KEY][page] if page else current_app.extensions[EXTENSION_KEY]
    )
    headers.setdefault("Content-Security-Policy", policy.header(csp_nonce()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for browsers without CSP 2
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if current_app.config["STREAKPOT_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
