"""Payments fixtures: localstripe on 127.0.0.1 (started by the suite itself), and the stripe mode.

``localstripe_url`` starts ``tests/stripe_server.py`` once per session: bound to loopback on a
port the kernel picks, with nothing written to disk. No manual step, no skip: CI runs it too.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import stripe

from habits.payments import EXTENSION_KEY, build_gateway

SERVER = Path(__file__).resolve().parent.parent / "stripe_server.py"
SECRET_KEY = "sk_test_streakpot"


def _flush(url: str) -> None:
    request = urllib.request.Request(url + "/_config/data", method="DELETE")
    urllib.request.urlopen(request, timeout=5).close()


@pytest.fixture(scope="session")
def localstripe_url():
    process = subprocess.Popen(
        [sys.executable, str(SERVER)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"localstripe did not start: {line!r}")
        url = f"http://127.0.0.1:{int(line.split()[1])}"
        deadline = time.monotonic() + 20
        while True:  # a bounded readiness poll: the port is printed just before it listens
            try:
                _flush(url)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("localstripe did not answer on " + url)
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def stripe_client(localstripe_url) -> stripe.StripeClient:
    """A client on an emptied localstripe (what a test does as "the member's browser" or Stripe)."""
    _flush(localstripe_url)
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": localstripe_url}, max_network_retries=0)


@pytest.fixture
def stripe_mode(app, localstripe_url, stripe_client):
    """The app in PAYMENTS_MODE=stripe against localstripe, for one test."""
    saved = {name: app.config.get(name) for name in ("PAYMENTS_MODE", "STRIPE_SECRET_KEY", "STRIPE_API_BASE")}
    saved_gateway = app.extensions[EXTENSION_KEY]
    app.config.update(PAYMENTS_MODE="stripe", STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=localstripe_url)
    app.extensions[EXTENSION_KEY] = build_gateway(app.config)
    try:
        yield app.extensions[EXTENSION_KEY]
    finally:
        app.config.update(saved)
        app.extensions[EXTENSION_KEY] = saved_gateway


@pytest.fixture
def gateway(app):
    """The app's gateway (the offline one unless a test switched to the stripe mode)."""
    return app.extensions[EXTENSION_KEY]
