"""Payments fixtures: localstripe on 127.0.0.1 (started by the suite itself), and the stripe mode.

``localstripe_url`` starts ``tests/stripe_server.py`` once per session (``tests/localstripe.py``):
bound to loopback on a port the kernel picks, with nothing written to disk. No manual step, no
skip: CI runs it too.
"""

from __future__ import annotations

import pytest
import stripe

from habits.payments import EXTENSION_KEY, build_gateway
from habits.security_headers import PAGES_KEY, page_policies_for
from tests.localstripe_runner import PUBLISHABLE_KEY, SECRET_KEY, flush, running_localstripe

#: what the stripe mode's settings are in these tests: localstripe takes payment_method_types only
STRIPE_SETTINGS = {
    "PAYMENTS_MODE": "stripe",
    "STRIPE_SECRET_KEY": SECRET_KEY,
    "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
    "STRIPE_PAYMENT_METHODS": ["card"],
}


@pytest.fixture(scope="session")
def localstripe_url():
    with running_localstripe() as url:
        yield url


@pytest.fixture
def stripe_client(localstripe_url) -> stripe.StripeClient:
    """A client on an emptied localstripe (what a test does as "the member's browser" or Stripe)."""
    flush(localstripe_url)
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": localstripe_url}, max_network_retries=0)


@pytest.fixture
def stripe_mode(app, localstripe_url, stripe_client):
    """The app in PAYMENTS_MODE=stripe against localstripe, for one test."""
    settings = {**STRIPE_SETTINGS, "STRIPE_API_BASE": localstripe_url}
    saved = {name: app.config.get(name) for name in settings}
    saved_gateway, saved_pages = app.extensions[EXTENSION_KEY], app.extensions[PAGES_KEY]
    app.config.update(settings)
    app.extensions[EXTENSION_KEY] = build_gateway(app.config)
    app.extensions[PAGES_KEY] = page_policies_for(app.config)  # the pay page's Stripe.js hosts
    try:
        yield app.extensions[EXTENSION_KEY]
    finally:
        app.config.update(saved)
        app.extensions[EXTENSION_KEY], app.extensions[PAGES_KEY] = saved_gateway, saved_pages


@pytest.fixture
def gateway(app):
    """The app's gateway (the offline one unless a test switched to the stripe mode)."""
    return app.extensions[EXTENSION_KEY]
