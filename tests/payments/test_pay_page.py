"""The pay page in PAYMENTS_MODE=stripe, against localstripe: Stripe's element for the owner only,
Stripe.js allowed on that page only, a failed or unfinished payment that loses nothing, and the
webhook (never the page) making the member active."""

from __future__ import annotations

import json
import re

import pytest

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Challenge, Community, Member
from habits.payments import EXTENSION_KEY
from habits.payments.stripe_gateway import StripeGateway
from habits.security_headers import PAGES_KEY, page_policies_for
from tests.factories import add_to_community, make_enrollment, make_member
from tests.localstripe_runner import PUBLISHABLE_KEY, SECRET_KEY
from tests.payments.helpers import (
    cash,
    deliver,
    failed,
    give_intent,
    held,
    now_utc,
    open_challenge,
    succeeded,
)
from tests.payments.test_stripe_mode import pay_with
from tests.web.helpers import log_in, text_of

_SETUP = re.compile(r'<script type="application/json" id="card-setup" nonce="[^"]+">(.*?)</script>', re.S)


@pytest.fixture
def pending(session, stripe_mode):
    """A member's enrollment waiting for its deposit, its PaymentIntent created at localstripe."""
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=3000))
    give_intent(session, enrollment, stripe_mode, now=now_utc())
    return enrollment


def owner_of(session, enrollment):
    return session.get(Member, enrollment.member_id)


def pay_url(enrollment) -> str:
    return f"/enrollments/{enrollment.id}/pay"


def setup_of(response) -> dict:
    match = _SETUP.search(text_of(response))
    assert match, "the page has no card form"
    return json.loads(match.group(1))


def csp(response) -> str:
    return response.headers["Content-Security-Policy"]


def test_the_owner_gets_the_payment_element_with_the_intents_secret(session, client, pending, stripe_client):
    log_in(client, owner_of(session, pending))
    page = client.get(pay_url(pending))

    assert page.status_code == 200
    setup = setup_of(page)
    at_stripe = stripe_client.v1.payment_intents.retrieve(pending.payment_intent_id)
    assert setup["clientSecret"] == at_stripe.client_secret
    assert setup["publishableKey"] == PUBLISHABLE_KEY and setup["element"] == "payment"
    assert setup["methodOrder"][0] == "card" and setup["locale"] == "en"
    assert '<script src="https://js.stripe.com/v3/"' in text_of(page)
    assert 'id="card-pay"' in text_of(page) and "Pay CN¥30.00" in text_of(page)
    # a page holding a client secret is kept by no cache
    assert page.headers["Cache-Control"] == "private, no-store"
    # this page, and only this one, lets Stripe.js load and talk to Stripe
    assert "script-src 'self' 'nonce-" in csp(page) and "https://js.stripe.com" in csp(page)
    assert "connect-src 'self' https://api.stripe.com" in csp(page)
    for other in ("/", f"/enrollments/{pending.id}", "/wallet", "/communities"):
        assert "stripe" not in csp(client.get(other)), other


def test_a_chinese_page_asks_stripe_for_chinese(session, client, pending):
    owner = owner_of(session, pending)
    owner.locale = "zh_Hans"
    session.commit()
    log_in(client, owner)
    page = client.get(pay_url(pending))
    assert setup_of(page)["locale"] == "zh" and "用银行卡或其他方式支付" in text_of(page)
    assert "nothing was charged" not in json.dumps(setup_of(page)["messages"])  # its words too


@pytest.mark.parametrize("who", ["another member", "the organizer", "a visitor"])
def test_no_one_but_the_owner_sees_the_page_or_the_secret(session, client, pending, stripe_client, who):
    secret = stripe_client.v1.payment_intents.retrieve(pending.payment_intent_id).client_secret
    challenge = session.get(Challenge, pending.challenge_id)
    community = session.get(Community, challenge.community_id)
    if who == "another member":
        someone = make_member(session)
        add_to_community(session, community, someone)
        log_in(client, someone)
    elif who == "the organizer":
        log_in(client, session.get(Member, community.organizer_id))

    page = client.get(pay_url(pending))

    assert page.status_code == (302 if who == "a visitor" else 404)
    assert secret not in text_of(page) and "_secret_" not in text_of(page)


def test_the_card_element_setting_mounts_the_card_element(session, client, pending, app):
    app.config.update(STRIPE_ELEMENT="card")
    try:
        log_in(client, owner_of(session, pending))
        page = client.get(pay_url(pending))
    finally:
        app.config.update(STRIPE_ELEMENT="payment")
    assert setup_of(page)["element"] == "card" and "Pay by card" in text_of(page)


def test_a_stand_in_of_stripe_js_is_loaded_from_where_the_setting_says(session, client, pending, app):
    saved = app.extensions[PAGES_KEY]
    app.config.update(STRIPE_JS_URL="http://127.0.0.1:4242/v3/")
    app.extensions[PAGES_KEY] = page_policies_for(app.config)
    try:
        log_in(client, owner_of(session, pending))
        page = client.get(pay_url(pending))
    finally:
        app.config.update(STRIPE_JS_URL="https://js.stripe.com/v3/")
        app.extensions[PAGES_KEY] = saved
    assert '<script src="http://127.0.0.1:4242/v3/"' in text_of(page)
    assert "script-src 'self' 'nonce-" in csp(page) and "http://127.0.0.1:4242" in csp(page)
    assert "js.stripe.com" not in csp(page)


def test_a_declined_card_shows_why_and_the_same_form_again_and_books_nothing(
    session, client, pending, stripe_client
):
    log_in(client, owner_of(session, pending))
    secret = setup_of(client.get(pay_url(pending)))["clientSecret"]
    assert deliver(client, failed(pending, "Your card was declined.")).status_code == 200

    page = client.get(pay_url(pending))

    assert "Your card was declined." in text_of(page)
    assert setup_of(page)["clientSecret"] == secret  # the same intent: try another card
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.PENDING_PAYMENT
    assert held(session, pending) == 0 and cash(session, "CNY") == 0


def test_a_payment_stripe_has_waits_for_the_webhook_then_the_member_is_in(
    session, client, pending, stripe_client
):
    log_in(client, owner_of(session, pending))
    assert pay_with(stripe_client, pending.payment_intent_id, "pm_card_visa").status == "succeeded"
    back = f"{pay_url(pending)}?payment_intent={pending.payment_intent_id}&redirect_status=succeeded"

    waiting = client.get(back)  # the webhook has not come yet: the page says so and pays nothing

    assert waiting.status_code == 200 and "Payment on its way" in text_of(waiting)
    assert 'id="card-form"' not in text_of(waiting) and "_secret_" not in text_of(waiting)
    assert 'value="wallet"' not in text_of(waiting)
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.PENDING_PAYMENT

    assert deliver(client, succeeded(pending)).status_code == 200
    moved_on = client.get(back)

    assert moved_on.status_code == 302 and moved_on.headers["Location"].endswith(f"/enrollments/{pending.id}")
    assert "Deposit of CN¥30.00 paid. You are in!" in text_of(client.get(moved_on.headers["Location"]))
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.ACTIVE and held(session, pending) == 3000


def test_coming_back_from_a_redirect_drops_the_secret_from_the_address(session, client, pending):
    log_in(client, owner_of(session, pending))
    secret = setup_of(client.get(pay_url(pending)))["clientSecret"]
    returned = (
        f"{pay_url(pending)}?payment_intent={pending.payment_intent_id}"
        f"&payment_intent_client_secret={secret}&redirect_status=failed"
    )

    response = client.get(returned)

    assert response.status_code == 302 and secret not in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert "The payment was not completed, and nothing was charged. You can try again." in text_of(page)
    assert setup_of(page)["clientSecret"] == secret


def test_the_processor_down_is_told_plainly_and_nothing_changes(session, client, pending, app):
    saved = app.extensions[EXTENSION_KEY]
    closed_port = "http://127.0.0.1:9"
    app.extensions[EXTENSION_KEY] = StripeGateway(SECRET_KEY, api_base=closed_port, max_network_retries=0)
    try:
        log_in(client, owner_of(session, pending))
        page = client.get(pay_url(pending))
    finally:
        app.extensions[EXTENSION_KEY] = saved
    assert page.status_code == 200 and 'id="card-form"' not in text_of(page)
    assert "try again" in text_of(page).lower()
    session.refresh(pending)
    assert pending.status == EnrollmentStatus.PENDING_PAYMENT


def test_without_a_publishable_key_the_page_says_cards_are_not_set_up(session, client, pending, app):
    app.config.update(STRIPE_PUBLISHABLE_KEY=None)
    log_in(client, owner_of(session, pending))
    page = client.get(pay_url(pending))
    assert "Card payments are not set up on this server." in text_of(page)
    assert "_secret_" not in text_of(page) and "stripe" not in csp(page)


def test_the_offline_demo_keeps_its_test_button_and_needs_no_script(session, client, gateway):
    enrollment = make_enrollment(session, open_challenge(session, deposit_minor=3000))
    give_intent(session, enrollment, gateway, now=now_utc())
    log_in(client, owner_of(session, enrollment))

    page = client.get(pay_url(enrollment))

    assert 'name="method" value="card"' in text_of(page) and "Pay deposit (demo card)" in text_of(page)
    # the only script is the service worker's registration every page but the check-in page has
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", text_of(page), re.S)
    assert all("serviceWorker.register" in script for script in scripts)
    assert "<script src" not in text_of(page) and "stripe" not in csp(page)
    assert "Cache-Control" not in page.headers or "no-store" not in page.headers["Cache-Control"]
