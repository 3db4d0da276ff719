"""A new member accepts the terms at sign-up, downloads their data and deletes their account, on
phones 360 and 390 px wide, in English and in Chinese, with axe-core finding no serious or
critical violation on the way."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from habits.extensions import db
from habits.models import Member, TermsAcceptance, TermsVersion
from habits.services import terms
from tests.browser.conftest import PHONE, watch_csp
from tests.browser.test_flows import A11y, follow

pytestmark = pytest.mark.browser

PASSWORD = "browser-pass-1"
TERMS = "# Terms of this club\n\n- Deposits of members who miss a day form **prize pools**.\n- Be kind.\n"
_tags = itertools.count(1)
#: what the pages say, in each language (the catalog's own words)
SAID = {
    "en-US": {"lang": "en", "deleted": "Your account is deleted", "accepted": "You accepted this version"},
    "zh-CN": {"lang": "zh-Hans", "deleted": "你的账户已删除", "accepted": "你已于"},
}


@pytest.fixture
def published_terms(live_server):
    """Terms in force on the shared live server, taken away afterwards (the other browser tests
    join challenges without accepting any)."""
    app = live_server.app
    with app.app_context():
        version = terms.publish_terms(db.session, body=TERMS, now=datetime.now(UTC)).version
        db.session.commit()
        db.session.remove()
    yield version
    with app.app_context():
        db.session.execute(delete(TermsAcceptance))
        db.session.execute(delete(TermsVersion))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def phone_of_width(browser, live_server, csp_violations):
    contexts = []

    def open_phone(width: int, locale: str):
        settings = {**PHONE, "viewport": {"width": width, "height": 844}}
        context = browser.new_context(
            **settings, locale=locale, timezone_id="Asia/Shanghai", base_url=live_server.url
        )
        context.set_default_timeout(10_000)
        watch_csp(context, csp_violations)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()
    assert csp_violations == [], "\n".join(csp_violations)


def _no_sideways_scroll(page, label: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{label}: the page scrolls sideways by {overflow}px"


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_member_accepts_the_terms_downloads_their_data_and_deletes_the_account(
    live_server, published_terms, phone_of_width, width, locale
):
    said = SAID[locale]
    email = f"leaving{next(_tags)}-{width}-{locale.lower()}@browser.test"
    a11y = A11y()
    page = phone_of_width(width, locale)

    page.goto("/register")
    assert page.locator("html").get_attribute("lang") == said["lang"]
    page.locator("details summary").tap()  # the terms, read where they are accepted
    page.locator("details .card h1").wait_for()
    a11y.check(page, f"register with the terms ({locale}, {width}px)")
    _no_sideways_scroll(page, "register")
    page.locator("#display_name").fill("Lea Leaving")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    follow(page, page.locator("main form button[type=submit]"))
    # not ticked: the page says so on the box
    page.locator("#terms_version-error").wait_for()
    a11y.check(page, f"register, the box not ticked ({locale}, {width}px)")
    page.locator("#password").fill(PASSWORD)
    page.locator("#terms_version").check()
    follow(page, page.locator("main form button[type=submit]"))
    page.wait_for_url("**/communities")

    page.goto("/terms")
    assert said["accepted"] in page.locator("main").inner_text()
    a11y.check(page, f"terms ({locale}, {width}px)")

    page.goto("/account")
    a11y.check(page, f"account with its data section ({locale}, {width}px)")
    _no_sideways_scroll(page, "account")
    with page.expect_download() as downloading:
        page.locator('a[href="/account/export"]').tap()
    document = json.loads(Path(downloading.value.path()).read_text(encoding="utf-8"))
    assert document["profile"]["email"] == email
    assert document["terms_acceptances"][0]["version"] == published_terms

    page.locator("#deletion-password").fill(PASSWORD)
    follow(page, page.locator("button.danger"))
    page.wait_for_url(f"{live_server.url}/")
    assert said["deleted"] in page.locator("main").inner_text()
    a11y.check(page, f"home after deleting ({locale}, {width}px)")
    page.goto("/account")
    page.wait_for_url("**/login**")  # signed out

    with live_server.app.app_context():
        assert db.session.scalar(select(Member).where(Member.email == email)) is None
        db.session.remove()
    a11y.assert_clean()
