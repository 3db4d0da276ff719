"""The demo (``flask seed-demo``'s data) served in this process, for the browser tests that walk
every main page and for ``scripts/screenshots``.

Its own SQLite file in ``folder``, seeded at the real now (the running challenge's window is
00:00-24:00, so its check-in page is open whenever this runs), served by werkzeug on a free
loopback port in a thread. The pages' addresses come from the seeded rows, never guessed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from habits.cli import demo
from habits.extensions import db
from habits.models import Challenge, Community, Enrollment, Member

MEMBER = demo.MEMBER_EMAIL
ORGANIZER = demo.ORGANIZER_EMAIL
PASSWORD = demo.PASSWORD


@dataclass(frozen=True)
class DemoSite:
    url: str
    app: object
    #: page name -> path, for each kind of reader ("visitor", "member", "organizer")
    pages: dict[str, dict[str, str]]

    def set_locale(self, email: str, locale: str) -> None:
        """The member's language on their profile (what the footer's switch sets)."""
        with self.app.app_context():
            member = db.session.scalar(select(Member).where(Member.email == email))
            member.locale = locale
            db.session.commit()
            db.session.remove()


def settings(folder: Path) -> dict:
    return {
        "STREAKPOT_ENV": "test",
        "INSTANCE_PATH": str(folder / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}",
        "SECRET_KEY": "demo-site-secret-key-not-for-production",
        "STRIPE_WEBHOOK_SECRET": "whsec_demo_site",
        "SCHEDULER_MODE": "off",
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        "SERVE_COMPRESSED": True,
    }


def _pages(session) -> dict[str, dict[str, str]]:
    by_title = {c.title: c for c in session.scalars(select(Challenge))}
    running = by_title["Read 20 pages a day"]
    upcoming = by_title["Rise by 06:30 · three weeks"]
    club, readers = session.scalars(select(Community).order_by(Community.id)).all()[:2]
    member = session.scalar(select(Member).where(Member.email == MEMBER))
    enrollment = session.scalar(
        select(Enrollment).where(Enrollment.challenge_id == running.id, Enrollment.member_id == member.id)
    )
    return {
        "visitor": {
            "home": "/",
            "login": "/login",
            "register": "/register",
            "password reset": "/password-reset",
            "offline": "/offline",
        },
        "member": {
            "home": "/",
            "check-in": f"/enrollments/{enrollment.id}/checkin",
            "challenge": f"/challenges/{running.id}",
            "challenge (open for joining)": f"/challenges/{upcoming.id}",
            "enrollment": f"/enrollments/{enrollment.id}",
            "statement": f"/challenges/{running.id}/days/0",
            "wallet": "/wallet",
            "notifications": "/notifications",
            "payout": "/wallet/payout",
            "account": "/account",
            "communities": "/communities",
            "community": f"/communities/{club.id}",
            "community (by invitation)": f"/communities/{readers.id}",
        },
        "organizer": {
            "home": "/",
            "organizer dashboard": f"/challenges/{running.id}/organize",
            "community": f"/communities/{club.id}",
            "new challenge": f"/communities/{club.id}/challenges/new",
            "rules": f"/challenges/{upcoming.id}/rules",
            "referee log": f"/challenges/{running.id}/referee-log",
        },
    }


class _Quiet(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass  # a page load is not news


@contextmanager
def demo_site(folder: Path, **overrides) -> Iterator[DemoSite]:
    """A freshly seeded demo on a free loopback port, for the length of the ``with``."""
    app = create_app({**settings(folder), **overrides})
    with app.app_context():
        db.create_all()
        demo.seed(
            db.session,
            now=datetime.now(UTC),
            gateway=app.extensions.get(demo.GATEWAY),
            password_method=app.config["PASSWORD_HASH_METHOD"],
        )
        pages = _pages(db.session)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app.wsgi_app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    try:
        yield DemoSite(f"http://127.0.0.1:{server.server_port}", app, pages)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form (the way a member does)."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
