"""A member pays the deposit by card on the pay page in PAYMENTS_MODE=stripe, on a phone 360 and
390 px wide, in English and Chinese, with axe-core checking each state.

The path, end to end: the app (its own server, in stripe mode, with localstripe as Stripe's API)
renders the pay page with the PaymentIntent's client secret; the page loads "Stripe.js" from
STRIPE_JS_URL, here ``tests/browser/stripe_stub.py`` (a stand-in of Stripe.js's Payment Element
and Card Element API, owned by the project, never shipped), mounts the element and confirms
through it; the stub's server confirms the card at localstripe, localstripe sends its signed
``payment_intent.succeeded`` webhook to the app's /webhooks/stripe, and the page, waiting for
that, moves on to the enrollment, now active. A 3-D Secure card whose authentication fails
shows a plain message first and leaves nothing booked; the next card pays.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

import ledger
from app import create_app
from habits import books
from habits.domain.lifecycle import EnrollmentStatus
from habits.extensions import db
from habits.models import Enrollment
from habits.models.payment import Payment, StripeEvent
from habits.services import challenges, communities, enrollments, members
from tests.browser.stripe_stub import StripeStub
from tests.browser.test_flows import PASSWORD, A11y, follow
from tests.conftest import test_settings
from tests.localstripe_runner import (
    NOWHERE,
    PUBLISHABLE_KEY,
    SECRET_KEY,
    register_webhook,
    running_localstripe,
)

pytestmark = pytest.mark.browser

WEBHOOK_SECRET = "whsec_test_secret"  # tests/conftest.py test_settings
#: Stripe's test cards: one that asks for 3-D Secure, one that pays
CARD_3DS = "4000 0025 0000 3155"
CARD_PAYS = "4242 4242 4242 4242"
_tags = itertools.count(1)

WORDS = {
    "en": {
        "heading": "Pay by card or another method",
        "failed": "The payment did not go through, and nothing was charged. You can try again.",
        "paid": "Deposit of CN¥30.00 paid. You are in!",
    },
    "zh_Hans": {
        "heading": "用银行卡或其他方式支付",
        "failed": "付款没有成功，没有扣任何钱。你可以再试一次。",
        "paid": "押金 ¥30.00 已支付，你已加入！",
    },
}


@dataclass
class Site:
    url: str
    app: object
    element: str


@pytest.fixture(scope="module")
def localstripe():
    with running_localstripe() as url:
        yield url


@pytest.fixture(scope="module")
def stub(localstripe):
    server = StripeStub(localstripe, SECRET_KEY)
    yield server
    server.close()


def serve_site(folder, localstripe: str, stub: StripeStub, element: str):
    """The app in stripe mode on its own SQLite file, served on 127.0.0.1 in a thread."""
    settings = test_settings(f"sqlite:///{folder / 'pay.db'}", folder / "instance")
    settings.update(
        PAYMENTS_MODE="stripe",
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY=PUBLISHABLE_KEY,
        STRIPE_API_BASE=localstripe,
        STRIPE_PAYMENT_METHODS=["card"],  # localstripe refuses automatic_payment_methods
        STRIPE_ELEMENT=element,
        STRIPE_JS_URL=f"{stub.url}/v3/",
    )
    app = create_app(settings)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"pay-site-{element}", daemon=True)
    thread.start()
    return Site(f"http://127.0.0.1:{server.server_port}", app, element), server, thread


@pytest.fixture(scope="module")
def sites(tmp_path_factory, localstripe, stub):
    """One stripe-mode site per element, made when a test first asks for it."""
    made, servers = {}, []

    def site(element: str) -> Site:
        if element not in made:
            folder = tmp_path_factory.mktemp(f"pay-{element}")
            made[element], server, thread = serve_site(folder, localstripe, stub, element)
            servers.append((made[element], server, thread))
        return made[element]

    yield site
    for each, server, thread in servers:
        server.shutdown()
        thread.join(timeout=5)
        with each.app.app_context():
            db.engine.dispose()


@pytest.fixture
def webhooks_to(localstripe):
    """Point localstripe's webhooks at one site for this test (then at nowhere)."""

    def point(site: Site) -> None:
        register_webhook(localstripe, "browser-pay", f"{site.url}/webhooks/stripe", WEBHOOK_SECRET)

    yield point
    register_webhook(localstripe, "browser-pay", NOWHERE, WEBHOOK_SECRET)


def seed_pending(site: Site, locale: str) -> tuple[str, int]:
    """A member (in ``locale``) who joined a challenge starting in a month: its PaymentIntent is
    at localstripe, the deposit (CN¥30.00) not paid yet. Returns the member's e-mail and the
    enrollment's id."""
    tag = next(_tags)
    now = datetime.now(UTC)
    with site.app.app_context():
        session = db.session
        organizer = members.register_member(
            session,
            email=f"organizer{tag}@pay.test",
            password=PASSWORD,
            display_name="Olivia Organizer",
            timezone="Asia/Shanghai",
            now=now,
            password_method="pbkdf2:sha256:1000",
        )
        member = members.register_member(
            session,
            email=f"mei{tag}@pay.test",
            password=PASSWORD,
            display_name=f"Mei {tag}",
            timezone="Asia/Shanghai",
            now=now,
            password_method="pbkdf2:sha256:1000",
        )
        member.locale = locale
        community = communities.create_community(
            session, organizer, name=f"Morning Runners {tag}", theme="early-rise", now=now
        )
        challenge = challenges.launch_challenge(
            session,
            community,
            organizer,
            rules={
                "title": f"Run at dawn {tag}",
                "timezone": "Asia/Shanghai",
                "start_date": date.today() + timedelta(days=30),
                "days": 3,
                "window_open": "05:00",
                "window_close": "08:00",
                "deposit_minor": 3000,
                "currency": "CNY",
                "max_misses": 1,
                "min_participants": 1,
                "review_minutes": 10,
            },
            now=now,
        )
        joined = enrollments.enroll(
            session,
            challenge,
            member,
            gateway=site.app.extensions["streakpot.gateway"],
            pay_from_wallet=False,
            now=now,
        )
        session.commit()
        found = (member.email, joined.enrollment.id)
        session.remove()
    return found


def held_and_status(site: Site, enrollment_id: int) -> tuple[int, EnrollmentStatus, list[str]]:
    with site.app.app_context():
        session = db.session
        enrollment = session.get(Enrollment, enrollment_id)
        account = books.open_account(session, books.held_deposit(enrollment.id, enrollment.currency))
        held = -ledger.balance(session, account)
        payments = session.scalars(select(Payment).where(Payment.enrollment_id == enrollment_id)).all()
        events = [session.get(StripeEvent, payment.event_id).type for payment in payments]
        status = enrollment.status
        session.rollback()
        session.remove()
    return held, status, events


def log_in(page, site: Site, email: str) -> None:
    page.goto(f"{site.url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    follow(page, page.locator("main form button[type=submit]").first)
    page.wait_for_url(f"{site.url}/")


def fill_card(page, number: str) -> None:
    page.locator("#stub-card-number").fill(number)
    page.locator("#stub-card-expiry").fill("12 / 34")
    page.locator("#stub-card-cvc").fill("123")


def open_pay_page(page, site: Site, enrollment_id: int):
    page.goto(f"{site.url}/enrollments/{enrollment_id}/pay")
    button = page.locator("#card-pay")
    page.wait_for_function("!document.getElementById('card-pay').disabled")  # the element is ready
    return button


@pytest.mark.parametrize(
    ("width", "locale"),
    [(360, "en"), (390, "en"), (360, "zh_Hans"), (390, "zh_Hans")],
)
def test_a_member_pays_the_deposit_by_card_and_is_in_after_the_webhook(
    sites, webhooks_to, phone, width, locale
):
    site = sites("payment")
    webhooks_to(site)
    email, enrollment_id = seed_pending(site, locale)
    words = WORDS[locale]
    a11y = A11y()
    page = phone(locale="zh-CN" if locale == "zh_Hans" else "en-US")
    page.set_viewport_size({"width": width, "height": 780})
    log_in(page, site, email)

    button = open_pay_page(page, site, enrollment_id)
    assert page.locator("#card-heading").inner_text() == words["heading"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing overflows
    a11y.check(page, f"pay by card ({width} px, {locale})")

    # a card that asks for 3-D Secure, whose authentication the member fails: told, nothing lost
    fill_card(page, CARD_3DS)
    button.tap()
    page.get_by_role("dialog").get_by_role("button", name="Fail authentication").tap()
    message = page.locator("#card-message")
    message.wait_for(state="visible")
    assert message.inner_text().startswith(words["failed"])
    assert button.is_enabled()
    a11y.check(page, f"pay by card, failed ({width} px, {locale})")
    assert held_and_status(site, enrollment_id)[:2] == (0, EnrollmentStatus.PENDING_PAYMENT)

    # the next card pays: Stripe has the money, the page waits for the webhook, then moves on
    fill_card(page, CARD_PAYS)
    button.tap()
    page.wait_for_url(f"{site.url}/enrollments/{enrollment_id}", timeout=30_000)
    flash = page.locator("p.flash").first
    assert words["paid"] in flash.inner_text()
    a11y.check(page, f"enrollment, paid by card ({width} px, {locale})")

    held, status, events = held_and_status(site, enrollment_id)
    assert (held, status, events) == (3000, EnrollmentStatus.ACTIVE, ["payment_intent.succeeded"])
    a11y.assert_clean()


def test_the_card_element_setting_pays_through_confirm_card_payment(sites, webhooks_to, phone):
    site = sites("card")
    webhooks_to(site)
    email, enrollment_id = seed_pending(site, "en")
    a11y = A11y()
    page = phone()
    log_in(page, site, email)

    button = open_pay_page(page, site, enrollment_id)
    assert page.locator("#card-heading").inner_text() == "Pay by card"
    fill_card(page, "4242 4242 4242")  # too short: Stripe.js says so, nothing is sent
    button.tap()
    page.locator("#card-message").wait_for(state="visible")
    assert "Your card number is incomplete." in page.locator("#card-message").inner_text()
    a11y.check(page, "pay by card (card element, incomplete)")

    fill_card(page, CARD_PAYS)
    button.tap()
    page.wait_for_url(f"{site.url}/enrollments/{enrollment_id}", timeout=30_000)
    assert held_and_status(site, enrollment_id)[:2] == (3000, EnrollmentStatus.ACTIVE)
    a11y.assert_clean()
