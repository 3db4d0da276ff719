"""What makes the site an app on a phone's home screen: the web app manifest, a service worker
that keeps one page (the offline page) and shows it when a page cannot load, and that page.

The manifest starts the app on ``/checkin`` (the check-in open now, else the home page). The
service worker is served from the root so that its scope is the whole site (the policy's
``worker-src 'self'`` allows it); it caches nothing else, so a page is never shown stale. The
icons are drawn by ``scripts/icons`` into ``static/icons/``.
"""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import gettext

from habits import __version__
from habits.web import web_bp

#: the site's green (base.html's --accent): the phone's status bar and splash screen
THEME_COLOUR = "#0a6e4f"
BACKGROUND_COLOUR = "#fbfaf7"
#: the manifest and the worker change with the app's version, not on every request
SHELL_MAX_AGE = 3600


@web_bp.get("/manifest.webmanifest")
def manifest():
    icons = [
        {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": url_for("static", filename="icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    body = current_app.json.dumps(
        {
            "name": "Streakpot",
            "short_name": "Streakpot",
            "description": gettext(
                "Keep a habit with your group: check in every day, get your deposit back."
            ),
            "start_url": url_for("web.checkin_shortcut"),
            "scope": "/",
            "display": "standalone",
            "orientation": "portrait",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "icons": icons,
        },
        ensure_ascii=False,
    )
    response = current_app.response_class(body, mimetype="application/manifest+json")
    response.headers["Cache-Control"] = f"public, max-age={SHELL_MAX_AGE}"
    response.vary.add("Accept-Language")
    return response


@web_bp.get("/sw.js")
def service_worker():
    body = render_template(
        "app_shell/sw.js", cache=f"streakpot-offline-{__version__}", offline=url_for("web.offline")
    )
    response = current_app.response_class(body, mimetype="text/javascript")
    # the browser checks for a new worker at most once a day anyway; no-cache makes it ask us
    response.headers["Cache-Control"] = "no-cache"
    return response


@web_bp.get("/offline")
def offline():
    """The page the service worker shows when a page cannot load (the same for everyone: it is
    kept in the phone's cache, so it names no member and holds no form)."""
    response = current_app.make_response(render_template("app_shell/offline.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response
