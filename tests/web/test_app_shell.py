"""The app on the home screen (issue 14): the manifest, its icons, the service worker served from
the root scope, the offline page, and responses compressed by the app when SERVE_COMPRESSED is on
(the demo). In chromium: tests/browser/test_app_shell.py and tests/browser/test_budget.py."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from PIL import Image

from app import create_app
from tests.conftest import test_settings
from tests.web.helpers import log_in, text_of

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_the_manifest_starts_on_the_check_in_page(client, session):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == "Streakpot" and manifest["short_name"] == "Streakpot"
    assert manifest["start_url"] == "/checkin" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone" and manifest["theme_color"] == "#0a6e4f"
    icons = {(icon["sizes"], icon.get("purpose", "any")): icon["src"] for icon in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, _purpose), src in icons.items():
        assert client.get(src).status_code == 200
        with Image.open(STATIC / src.removeprefix("/static/")) as image:
            assert image.format == "PNG" and f"{image.width}x{image.height}" == sizes


def test_the_manifest_speaks_the_readers_language(client, session):
    response = client.get("/manifest.webmanifest", headers={"Accept-Language": "zh-CN"})
    assert "每天打卡" in json.loads(response.data)["description"]
    assert "Accept-Language" in response.headers["Vary"]


def test_every_page_links_the_manifest_and_the_check_in_page_registers_no_worker(client, session, world):
    page = text_of(client.get("/login"))
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'navigator.serviceWorker.register("/sw.js")' in page
    assert '<meta name="theme-color" content="#0a6e4f">' in page
    assert 'rel="icon" href="data:image/svg+xml,' in page  # no request for a favicon
    log_in(client, world.member)
    checkin = text_of(client.get(f"/enrollments/{world.enrollment.id}/checkin"))
    assert '<link rel="manifest"' in checkin and "serviceWorker" not in checkin


def test_the_service_worker_is_served_from_the_root_and_keeps_only_the_offline_page(client, session):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    script = text_of(response)
    assert 'const OFFLINE = "/offline";' in script
    assert script.count("cache.add(") == 1 and "cache.put" not in script  # one page, nothing else
    policy = response.headers["Content-Security-Policy"]
    assert "worker-src 'self'" in policy


def test_the_offline_page_names_no_one_and_holds_no_form(client, session, world):
    log_in(client, world.member)
    response = client.get("/offline")
    page = text_of(response)
    assert response.status_code == 200 and "You are offline" in page
    assert world.member.display_name not in page and "<form" not in page and "csrf" not in page
    assert 'href="/checkin"' in page


def test_the_offline_page_in_chinese(client, session):
    page = text_of(client.get("/offline", headers={"Accept-Language": "zh-CN"}))
    assert "你现在处于离线状态" in page and "再试一次" in page


@pytest.fixture
def compressing_client(database_url, tmp_path):
    app = create_app({**test_settings(database_url, tmp_path), "SERVE_COMPRESSED": True})
    return app.test_client()


def test_pages_scripts_and_stylesheets_are_gzipped_when_the_setting_is_on(compressing_client):
    served = [
        ("/login", "text/html"),
        ("/sw.js", "text/javascript"),
        ("/static/css/dashboard.css", "text/css"),
    ]
    for url, kind in served:
        plain = compressing_client.get(url)
        assert plain.headers.get("Content-Encoding") is None and "Accept-Encoding" in plain.headers["Vary"]
        packed = compressing_client.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert packed.headers["Content-Encoding"] == "gzip" and packed.mimetype == kind, url
        assert len(packed.data) < len(plain.data) * 0.6, url
        unpacked = gzip.decompress(packed.data)
        if kind == "text/html":  # each page has its own nonce: compare the text around it
            assert unpacked.split(b"nonce=")[0] == plain.data.split(b"nonce=")[0]
        else:
            assert unpacked == plain.data


def test_images_are_left_alone(compressing_client):
    png = compressing_client.get("/static/icons/icon-192.png", headers={"Accept-Encoding": "gzip"})
    assert png.status_code == 200 and "Content-Encoding" not in png.headers


def test_nothing_is_compressed_by_default(client, session):
    response = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
