"""The share card's button on a phone, 390 px wide, in English and Chinese: where the browser
cannot share files (Debian's chromium here) the link downloads the card's PNG; where it can
(navigator.canShare/share stubbed), a tap hands the PNG to the share sheet. axe on both pages."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.browser.presence_helpers import (
    LANGUAGES,
    checked_in_world,
    set_member,
    signed_in_phone,
    small_targets,
)
from tests.browser.test_flows import A11y

pytestmark = pytest.mark.browser

#: a browser that shares files: what it was handed is kept for the test to read
SHARE_STUB = """
navigator.canShare = (data) => !!(data && data.files && data.files.length);
navigator.share = (data) => {
  const file = data.files[0];
  window.streakpotShared = {count: data.files.length, name: file.name, type: file.type, size: file.size,
                            title: data.title};
  return Promise.resolve();
};
"""

WORDS = {
    "en": ("Download my card", "Share my card"),
    "zh_Hans": ("下载我的打卡卡片", "分享我的打卡卡片"),
}


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_card_downloads_without_web_share_and_shares_with_it(live_server, phone, language):
    world, (rival_id, email, checkin_id) = checked_in_world(live_server)
    set_member(live_server, email, locale=language)
    download_words, share_words = WORDS[language]
    a11y = A11y()
    page = signed_in_phone(phone, email, language, 390)

    page.goto(f"/enrollments/{world.rival_enrollment_id}/checkin")
    assert page.locator("html").get_attribute("lang") == LANGUAGES[language][1]
    link = page.locator("a[data-share-card]")
    assert link.inner_text() == download_words  # chromium here has no Web Share for files
    assert link.get_attribute("href") == f"/checkins/{checkin_id}/card.png"
    a11y.check(page, f"check-in page with the card ({language})")
    assert small_targets(page) == []
    with page.expect_download() as downloading:
        link.tap()
    download = downloading.value
    assert download.suggested_filename == f"streakpot-checkin-{checkin_id}.png"
    with Image.open(download.path()) as image:
        assert (image.format, image.size) == ("PNG", (1080, 1350))

    page.goto(f"/challenges/{world.challenge_id}/feed")
    own = page.locator(f"#checkin-{checkin_id} a[data-share-card]")
    assert own.inner_text() == download_words
    a11y.check(page, f"feed with the card ({language})")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    sharing = signed_in_phone(phone, email, language, 390)
    sharing.context.add_init_script(SHARE_STUB)
    sharing.goto(f"/challenges/{world.challenge_id}/feed")
    button = sharing.locator(f"#checkin-{checkin_id} a[data-share-card]")
    assert button.inner_text() == share_words
    button.tap()
    sharing.wait_for_function("() => window.streakpotShared", polling=100)
    shared = sharing.evaluate("window.streakpotShared")
    assert shared["count"] == 1 and shared["type"] == "image/png"
    assert shared["name"] == f"streakpot-checkin-{checkin_id}.png" and shared["size"] > 10_000
    assert shared["title"] == world.challenge_title
    a11y.assert_clean()
