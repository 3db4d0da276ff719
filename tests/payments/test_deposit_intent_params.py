"""What a deposit's PaymentIntent asks Stripe for, per STRIPE_PAYMENT_METHODS: read on the wire
(the form body stripe-python sends), and against localstripe for the form it takes."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
import stripe

from habits import books
from habits.payments import build_gateway
from habits.payments.stripe_gateway import StripeGateway
from habits.services.ports import GatewayUnavailable
from tests.localstripe_runner import SECRET_KEY


class RecordingHTTPClient(stripe.HTTPClient):
    """Stripe's side of one call: keeps what stripe-python sent, answers a PaymentIntent."""

    name = "recording"

    def __init__(self):
        super().__init__()
        self.sent: list[tuple[str, str, dict, list[tuple[str, str]]]] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        form = parse_qsl(post_data.decode() if isinstance(post_data, bytes) else (post_data or ""))
        self.sent.append((method, url, dict(headers or {}), form))
        body = {
            "id": "pi_recorded",
            "object": "payment_intent",
            "client_secret": "pi_recorded_secret_x",
            "status": "requires_payment_method",
        }
        return json.dumps(body), 200, {}

    def close(self):
        pass


def create_with(payment_methods) -> tuple[dict, list[tuple[str, str]]]:
    http = RecordingHTTPClient()
    gateway = StripeGateway(
        SECRET_KEY, payment_methods=payment_methods, http_client=http, max_network_retries=0
    )
    intent = gateway.create_deposit_intent(enrollment_id=42, member_id=7, amount_minor=3000, currency="CNY")
    assert intent.client_secret == "pi_recorded_secret_x" and intent.status == "requires_payment_method"
    [(method, url, headers, form)] = http.sent
    assert method == "post" and url.endswith("/v1/payment_intents")
    assert headers["Idempotency-Key"] == books.deposit_key(42)
    return headers, form


def test_automatic_asks_for_the_methods_the_dashboard_switched_on():
    _, form = create_with("automatic")
    assert ("automatic_payment_methods[enabled]", "true") in form
    assert not [name for name, _ in form if name.startswith("payment_method_types")]
    assert ("amount", "3000") in form and ("currency", "cny") in form
    assert ("metadata[enrollment_id]", "42") in form and ("metadata[member_id]", "7") in form


def test_a_list_asks_for_exactly_those_types_and_wechat_pay_is_paid_from_the_web():
    _, form = create_with(["card", "alipay", "wechat_pay"])
    assert [value for name, value in form if name.startswith("payment_method_types")] == [
        "card",
        "alipay",
        "wechat_pay",
    ]
    assert ("payment_method_options[wechat_pay][client]", "web") in form
    assert not [name for name, _ in form if name.startswith("automatic_payment_methods")]


def test_cards_only_asks_for_cards_and_nothing_else():
    _, form = create_with(["card"])
    assert [value for name, value in form if name.startswith("payment_method_types")] == ["card"]
    assert not [name for name, _ in form if name.startswith(("payment_method_options", "automatic"))]


def test_the_gateway_takes_the_setting(app):
    config = {**app.config, "PAYMENTS_MODE": "stripe", "STRIPE_SECRET_KEY": SECRET_KEY}
    assert build_gateway({**config, "STRIPE_PAYMENT_METHODS": ["card", "alipay"]}).payment_methods == [
        "card",
        "alipay",
    ]
    unset = {name: value for name, value in config.items() if name != "STRIPE_PAYMENT_METHODS"}
    assert build_gateway(unset).payment_methods == "automatic"


def test_localstripe_takes_the_list_form_and_refuses_automatic(localstripe_url, stripe_client):
    """Why the setting exists: the tests' processor takes only payment_method_types."""
    listed = StripeGateway(
        SECRET_KEY, api_base=localstripe_url, payment_methods=["card"], max_network_retries=0
    )
    intent = listed.create_deposit_intent(enrollment_id=1, member_id=1, amount_minor=3000, currency="CNY")
    assert intent.status == "requires_payment_method"
    assert stripe_client.v1.payment_intents.retrieve(intent.payment_intent_id).amount == 3000

    automatic = StripeGateway(SECRET_KEY, api_base=localstripe_url, max_network_retries=0)
    with pytest.raises(GatewayUnavailable):
        automatic.create_deposit_intent(enrollment_id=2, member_id=1, amount_minor=3000, currency="CNY")
