"""The organizers' chat-group page on a phone, 360 and 390 px wide, in English and Chinese: a
refused URL is shown on its field, the hook is connected to a local receiver, a test message is
queued and posted, and the hook is disconnected; axe-core checks each state of the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from habits.extensions import db
from habits.models import ChatWebhook, Community, Member
from habits.notify.chat.transport import ChatWebhookTransport
from habits.services import chat_relay
from habits.services.chat_hooks import chat_policy
from tests.browser.test_flows import PASSWORD, A11y, follow, seed_world
from tests.chat.receiver import ChatReceiver

pytestmark = pytest.mark.browser

LANGUAGES = {"en": ("en-US", "en"), "zh_Hans": ("zh-CN", "zh-Hans")}
#: what the page says once saved, and for a private address, in each language
SAID = {
    "en": ("The chat group is connected", "is not a public address on the internet"),
    "zh_Hans": ("群已连接", "不是互联网上的公开地址"),
}


@pytest.fixture
def local_receiver(live_server):
    live_server.app.config["OUTBOUND_URLS_ALLOW_LOOPBACK"] = True
    try:
        with ChatReceiver() as receiver:
            yield receiver
    finally:
        live_server.app.config["OUTBOUND_URLS_ALLOW_LOOPBACK"] = False


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_an_organizer_connects_tests_and_disconnects_the_chat(
    live_server, phone, local_receiver, language, width
):
    world = seed_world(live_server)
    app = live_server.app
    with app.app_context():
        db.session.scalar(select(Member).where(Member.email == world.organizer_email)).locale = language
        db.session.commit()
        community_id = db.session.scalar(select(Community.id).where(Community.name == world.community_name))
        db.session.remove()
    browser_locale, html_lang = LANGUAGES[language]
    connected, private = SAID[language]
    a11y = A11y()
    page = phone(locale=browser_locale)
    page.set_viewport_size({"width": width, "height": 800})

    page.goto("/login")
    page.locator("input[name=email]").fill(world.organizer_email)
    page.locator("input[name=password]").fill(PASSWORD)
    follow(page, page.locator("form:has(input[name=password]) button[type=submit]"))

    page.goto(f"/communities/{community_id}")
    follow(page, page.locator(f"a[href$='/communities/{community_id}/chat']"))
    assert page.locator("html").get_attribute("lang") == html_lang
    a11y.check(page, f"chat page ({language}, {width} px)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.locator("select[name=kind]").select_option("discord")
    page.locator("input[name=url]").fill("https://10.1.2.3/api/webhooks/1/x")
    page.locator("input[name=summary_at]").fill("20:30")
    follow(page, page.locator("form:has(input[name=url]) button[type=submit]"))
    assert page.locator("input[name=url]").get_attribute("aria-invalid") == "true"
    assert private in page.locator("#url-error").inner_text()
    a11y.check(page, f"chat page, refused URL ({language}, {width} px)")

    page.locator("input[name=url]").fill(local_receiver.base + "/api/webhooks/1/x")
    follow(page, page.locator("form:has(input[name=url]) button[type=submit]"))
    assert connected in page.locator("main").inner_text()
    a11y.check(page, f"chat page, connected ({language}, {width} px)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    follow(page, page.locator(f"form[action$='/communities/{community_id}/chat/test'] button"))
    with app.app_context():
        now = datetime.now(UTC)
        transport = ChatWebhookTransport(policy=chat_policy(app.config))
        sent = chat_relay.relay_due(db.session, transport, now=now, commit=db.session.commit).sent
        db.session.remove()
    assert len(sent) == 1
    (post,) = local_receiver.posts
    assert world.community_name in post.body["content"] and "20:30" in post.body["content"]

    follow(page, page.locator(f"form[action$='/communities/{community_id}/chat/disconnect'] button"))
    a11y.check(page, f"chat page, disconnected ({language}, {width} px)")
    with app.app_context():
        assert db.session.scalar(select(ChatWebhook).where(ChatWebhook.community_id == community_id)) is None
        db.session.remove()
    a11y.assert_clean()
