"""The check-in page as a member first opens it stays light: at most 3 requests and 15 KB on the
wire (compressed, headers included), counting the document, everything it loads before any tap,
and the manifest and icon a phone fetches to offer "Add to home screen" (headless chromium fetches
those only when asked, so the test asks it: CDP's Page.getInstallabilityErrors runs the check a
phone runs on its own). Nothing is cached yet, no service worker is installed, and the demo
serves compressed responses as `scripts/demo` does (SERVE_COMPRESSED)."""

from __future__ import annotations

import pytest

from tests.browser.demo_site import MEMBER, demo_site, log_in

pytestmark = pytest.mark.browser

MAX_REQUESTS = 3
MAX_BYTES = 15 * 1024
LANGUAGES = {"en": "en-US", "zh_Hans": "zh-CN"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    with demo_site(tmp_path_factory.mktemp("budget")) as running:
        yield running


def _signed_in_state(browser, site) -> dict:
    """The member's cookies, from a phone that signed in (its cache and worker are not reused)."""
    context = browser.new_context(**PHONE, base_url=site.url, service_workers="block")
    try:
        log_in(context.new_page(), MEMBER)
        return context.storage_state()
    finally:
        context.close()


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_check_in_page_opens_in_three_requests_and_15_kb(site, browser, language):
    site.set_locale(MEMBER, language)
    context = browser.new_context(
        **PHONE, locale=LANGUAGES[language], base_url=site.url, storage_state=_signed_in_state(browser, site)
    )
    requests = []
    context.on("request", lambda request: requests.append(request))
    try:
        page = context.new_page()
        response = page.goto(site.pages["member"]["check-in"])
        page.wait_for_load_state("networkidle")
        assert page.locator("#checkin-button").is_visible()  # the page a member came for
        assert response.header_value("content-encoding") == "gzip"
        # what a phone does next on its own: reads the manifest and its icon to offer installing
        context.new_cdp_session(page).send("Page.getInstallabilityErrors")
        page.wait_for_load_state("networkidle")
        finished = [request for request in requests if request.response() is not None]
        loaded = {
            request.url.removeprefix(site.url): request.sizes()["responseBodySize"]
            + request.sizes()["responseHeadersSize"]
            for request in finished
        }
    finally:
        context.close()
    kinds = sorted(request.resource_type for request in requests)
    assert kinds == ["document", "manifest", "other"], loaded  # the "other" is the manifest's icon
    assert "/static/icons/icon-192.png" in loaded
    assert not [r.url for r in requests if r.service_worker is not None]  # none registered here
    assert len(requests) <= MAX_REQUESTS, loaded
    assert sum(loaded.values()) <= MAX_BYTES, loaded


def test_the_home_screen_start_url_lands_on_the_check_in_page_in_one_step(site, browser):
    context = browser.new_context(**PHONE, base_url=site.url, storage_state=_signed_in_state(browser, site))
    try:
        page = context.new_page()
        manifest = page.request.get("/manifest.webmanifest").json()
        response = page.goto(manifest["start_url"])
        assert response.url == site.url + site.pages["member"]["check-in"]
        assert response.request.redirected_from.redirected_from is None  # one redirect, no chain
    finally:
        context.close()
