"""A form sent back with a mistake, in chromium on a phone: the error summary has the focus when
the page opens (no script: autofocus on a tabindex=-1 box), its link moves to the field, what was
typed is still there, and axe finds nothing serious (tests/web/test_form_errors.py holds the HTML)."""

from __future__ import annotations

import pytest

from tests.browser.demo_site import MEMBER, demo_site, log_in
from tests.browser.test_flows import A11y

pytestmark = pytest.mark.browser

LANGUAGES = {"en": "en-US", "zh_Hans": "zh-CN"}


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    with demo_site(tmp_path_factory.mktemp("form-errors")) as running:
        yield running


@pytest.fixture
def member_phone(browser, site):
    contexts = []

    def open_phone(width: int, language: str, *, scripts: bool = True):
        context = browser.new_context(
            viewport={"width": width, "height": 844},
            is_mobile=True,
            has_touch=True,
            locale=LANGUAGES[language],
            base_url=site.url,
            java_script_enabled=scripts,
        )
        contexts.append(context)
        site.set_locale(MEMBER, language)
        page = context.new_page()
        log_in(page, MEMBER)
        return page

    yield open_phone
    for context in contexts:
        context.close()


def _focused(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("width", [360, 390])
def test_a_negative_amount_puts_the_focus_on_the_summary(member_phone, width, language):
    page = member_phone(width, language)
    a11y = A11y()
    page.goto("/wallet")
    page.locator("#amount").fill("-5")
    with page.expect_navigation():
        page.locator("#amount").press("Enter")
    assert _focused(page) == "error-summary"
    assert page.locator("#amount").input_value() == "-5"
    assert page.locator("#amount").get_attribute("aria-invalid") == "true"
    a11y.check(page, f"wallet with a negative amount ({width} px, {language})")
    page.locator("#error-summary a").first.click()
    assert _focused(page) == "amount"
    a11y.assert_clean()


def test_the_summary_takes_the_focus_without_javascript(member_phone):
    page = member_phone(390, "en", scripts=False)
    page.goto("/wallet")
    page.locator("#amount").fill("1.999")
    with page.expect_navigation():
        page.locator("#amount").press("Enter")
    assert "CNY amounts have at most 2 decimals." in page.locator("#error-summary").inner_text()
    assert _focused(page) == "error-summary"


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_wrong_invite_code_keeps_the_answers(member_phone, site, language):
    page = member_phone(390, language)
    a11y = A11y()
    page.goto(site.pages["member"]["community (by invitation)"])
    page.locator("#invite_code").fill("WRONG-CODE")
    page.locator("#form-city").fill("Hangzhou")
    page.locator("#form-reading").fill("The Three-Body Problem")
    with page.expect_navigation():
        page.locator("#form-reading").press("Enter")
    assert _focused(page) == "error-summary"
    assert page.locator("#invite_code").get_attribute("aria-invalid") == "true"
    assert page.locator("#invite_code").input_value() == "WRONG-CODE"
    assert page.locator("#form-city").input_value() == "Hangzhou"
    assert page.locator("#form-reading").input_value() == "The Three-Body Problem"
    a11y.check(page, f"community join with a wrong code ({language})")
    a11y.assert_clean()
