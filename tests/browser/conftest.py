"""A live server and Debian's chromium for the browser tests.

The server is the real app on its own temporary SQLite file (the browser needs real commits, so
the savepoint ``session`` fixture is not used here), served by werkzeug in a thread. Its clock
can be moved forward: a small WSGI wrapper hands each request ``now + offset`` through the
environ key the edges read (``streakpot.now``), so a test can step into a challenge's window
without waiting for it and without touching the wall clock of the test process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from habits.extensions import db
from tests.conftest import ON_POSTGRES, test_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: a phone in portrait, used with one thumb
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


@dataclass
class ServerClock:
    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, instant: datetime) -> None:
        """Make the server's clock read ``instant`` now (and keep ticking from there)."""
        self.offset = instant - datetime.now(UTC)


@dataclass
class LiveServer:
    url: str
    app: object
    clock: ServerClock


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    if ON_POSTGRES:
        pytest.skip("the browser tests serve their own SQLite file: the SQLite run already covers them")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("browser")
    app = create_app(test_settings(f"sqlite:///{folder / 'browser.db'}", folder / "instance"))
    with app.app_context():
        db.create_all()
    clock = ServerClock()

    def clocked(environ, start_response):
        environ["streakpot.now"] = clock.now()
        return app.wsgi_app(environ, start_response)

    server = make_server("127.0.0.1", 0, clocked, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, clock)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _server_clock_back_to_now(request):
    yield
    if "live_server" in request.fixturenames:
        request.getfixturevalue("live_server").clock.offset = timedelta()


@pytest.fixture(scope="session")
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


#: every page reports what the Content-Security-Policy blocked (the listener is added by the
#: browser before the page's own scripts, so the policy does not apply to it)
CSP_LISTENER = """
window.addEventListener("securitypolicyviolation", function (event) {
  window.streakpotCspViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline code")
    + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def csp_violations() -> list[str]:
    """What the pages of this test's phones reported as blocked by the policy (none is allowed)."""
    return []


def watch_csp(context, violations: list[str]) -> None:
    context.expose_binding(
        "streakpotCspViolation", lambda source, text: violations.append(f"{source['page'].url}: {text}")
    )
    context.add_init_script(CSP_LISTENER)
    # chromium also says so on the console (e.g. for what is blocked before any listener runs)
    context.on(
        "console",
        lambda message: (
            violations.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )


@pytest.fixture
def phone(browser, live_server, csp_violations):
    """A fresh phone (its own cookies) opening pages of the live server; every page it opens must
    load without a Content-Security-Policy violation (checked when the test ends)."""
    contexts = []

    def open_phone(locale: str = "en-US", timezone_id: str = "Asia/Shanghai"):
        context = browser.new_context(
            **PHONE, locale=locale, timezone_id=timezone_id, base_url=live_server.url
        )
        context.set_default_timeout(10_000)
        watch_csp(context, csp_violations)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()
    assert csp_violations == [], "\n".join(csp_violations)
