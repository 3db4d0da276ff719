"""The app on the home screen, in chromium: a page registers the service worker (allowed by the
one Content-Security-Policy), the worker keeps the offline page and nothing else, and a page
that cannot load shows it, in the reader's language, with nothing for axe to object to."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, watch_csp
from tests.browser.test_flows import A11y

pytestmark = pytest.mark.browser

CACHED = """
async () => {
  await navigator.serviceWorker.ready;
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}
"""


@pytest.mark.parametrize(
    ("locale", "heading"), [("en-US", "You are offline"), ("zh-CN", "你现在处于离线状态")]
)
def test_a_page_that_cannot_load_shows_the_kept_offline_page(
    browser, live_server, csp_violations, locale, heading
):
    context = browser.new_context(**PHONE, locale=locale, base_url=live_server.url)
    watch_csp(context, csp_violations)
    try:
        page = context.new_page()
        page.goto("/login")
        assert page.evaluate(CACHED) == ["/offline"]  # one page kept, no other
        context.set_offline(True)
        page.goto("/register")
        page.get_by_role("heading", name=heading).wait_for()
        a11y = A11y()
        a11y.check(page, f"offline ({locale})")
        a11y.assert_clean()
        context.set_offline(False)
        page.goto("/register")
        assert page.locator("#timezone").count() == 1  # back online: the real page, not a kept copy
    finally:
        context.close()
    assert csp_violations == []
