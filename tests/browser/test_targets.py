"""Every page, as a visitor, a member and an organizer, on a 360 and a 390 px phone, in English
and Chinese (the demo's data):

- every control and stand-alone link is at least 44×44 CSS px (links inside running text are
  exempt, as WCAG 2.5.8's inline exception allows; a checkbox is measured by its label, the
  target a thumb hits), measured with getBoundingClientRect after opening every <details>;
- every text box's border has at least 3:1 contrast with what surrounds it (WCAG 1.4.11);
- the "Log out" button in the menu sits exactly like the links beside it;
- axe-core finds no serious or critical violation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.demo_site import MEMBER, ORGANIZER, demo_site, log_in
from tests.browser.test_flows import A11y

pytestmark = pytest.mark.browser

WIDTHS = (360, 390)
LANGUAGES = {"en": "en-US", "zh_Hans": "zh-CN"}
MIN_TARGET = 44

#: the offenders on a page: each target below 44×44, each text box border below 3:1
MEASURE = (Path(__file__).parent / "measure_targets.js").read_text()

#: the text of each item of the site's menu: top and bottom of its box and of its words
MENU_ITEMS = """
() => [...document.querySelectorAll('nav.main li')].map((li) => {
  const target = li.querySelector('a, button');
  const range = document.createRange();
  range.selectNodeContents(target);
  const words = range.getBoundingClientRect();
  const box = target.getBoundingClientRect();
  const style = getComputedStyle(target);
  return {text: target.innerText.trim(), tag: target.tagName, top: box.top, height: box.height,
          wordsTop: words.top, wordsHeight: words.height, font: style.fontSize + ' ' + style.fontWeight,
          decoration: style.textDecorationLine};
})
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    with demo_site(tmp_path_factory.mktemp("targets")) as running:
        yield running


def _phone(browser, site, width: int, language: str):
    context = browser.new_context(
        viewport={"width": width, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=1,
        locale=LANGUAGES[language],
        timezone_id="Asia/Shanghai",
        base_url=site.url,
    )
    context.set_default_timeout(15_000)
    return context


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("width", WIDTHS)
def test_every_target_is_big_enough_and_every_box_visible(site, browser, width, language):
    offenders: list[str] = []
    a11y = A11y()
    for reader, pages in site.pages.items():
        email = {"member": MEMBER, "organizer": ORGANIZER}.get(reader)
        context = _phone(browser, site, width, language)
        try:
            page = context.new_page()
            if email:
                site.set_locale(email, language)
                log_in(page, email)
            for label, path in pages.items():
                response = page.goto(path)
                assert response.status == 200, f"{reader} {label} {path}: {response.status}"
                a11y.check(page, f"{reader} {label} ({width} px, {language})")
                found = page.evaluate(MEASURE, MIN_TARGET)
                where = f"{reader} {label} ({path}, {width} px, {language})"
                offenders += [f"{where}: {text}" for text in found["small"] + found["faint"]]
        finally:
            context.close()
    assert offenders == [], "\n".join(offenders)
    a11y.assert_clean()


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("width", WIDTHS)
def test_log_out_sits_in_line_with_the_menu_links(site, browser, width, language):
    context = _phone(browser, site, width, language)
    try:
        page = context.new_page()
        site.set_locale(MEMBER, language)
        log_in(page, MEMBER)
        items = page.evaluate(MENU_ITEMS)
    finally:
        context.close()
    log_out = next(item for item in items if item["tag"] == "BUTTON")
    links = [item for item in items if item["tag"] == "A"]
    assert links, items
    # on the same row as a link when the menu fits on one line, and in any case the same shape
    for link in links:
        assert log_out["height"] == pytest.approx(link["height"], abs=0.5), (log_out, link)
        assert log_out["wordsTop"] - log_out["top"] == pytest.approx(link["wordsTop"] - link["top"], abs=0.5)
        assert log_out["font"] == link["font"] and log_out["decoration"] == link["decoration"]
    same_row = [link for link in links if abs(link["top"] - log_out["top"]) < 0.5]
    assert same_row or all(abs(link["top"] - log_out["top"]) > log_out["height"] / 2 for link in links)
