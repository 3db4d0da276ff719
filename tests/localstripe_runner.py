"""localstripe for the tests: started on 127.0.0.1 (``tests/stripe_server.py``), emptied, and
told where to send its signed webhooks. Shared by the payment tests and the browser's pay test.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.server_process import serving

SERVER = Path(__file__).resolve().parent / "stripe_server.py"
#: any sk_ key opens localstripe; a pk_ one opens only what Stripe.js may call
SECRET_KEY = "sk_test_streakpot"
PUBLISHABLE_KEY = "pk_test_streakpot"
#: the events the app handles that localstripe sends
WEBHOOK_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed")
#: a closed port: where a webhook endpoint points once its test is over
NOWHERE = "http://127.0.0.1:9/nowhere"


def flush(url: str) -> None:
    """Empty localstripe's store (webhook endpoints stay registered)."""
    request = urllib.request.Request(url + "/_config/data", method="DELETE")
    urllib.request.urlopen(request, timeout=5).close()


def register_webhook(url: str, endpoint_id: str, target: str, secret: str) -> None:
    """Send the app's events to ``target`` signed with ``secret`` (registering again moves it)."""
    data = urllib.parse.urlencode(
        [("url", target), ("secret", secret), *(("events[]", event) for event in WEBHOOK_EVENTS)]
    ).encode()
    urllib.request.urlopen(
        urllib.request.Request(f"{url}/_config/webhooks/{endpoint_id}", data=data), timeout=5
    ).close()


@contextmanager
def running_localstripe() -> Iterator[str]:
    """localstripe on a free loopback port, nothing written to disk; yields its base URL."""
    with serving(SERVER, "localstripe", flush) as url:
        yield url
