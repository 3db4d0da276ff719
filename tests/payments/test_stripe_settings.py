"""The pay page's Stripe settings: production needs the publishable key and Stripe's own Stripe.js;
the element and the payment methods must agree; a wrong one stops start-up with its name."""

from __future__ import annotations

import pytest

from app import create_app
from habits.config import ConfigError
from tests.conftest import test_settings


@pytest.fixture
def production_stripe(database_url, tmp_path) -> dict:
    settings = test_settings(database_url, tmp_path)
    settings.update(
        STREAKPOT_ENV="production",
        PAYMENTS_MODE="stripe",
        STRIPE_SECRET_KEY="sk_live_x",
        STRIPE_PUBLISHABLE_KEY="pk_live_x",
    )
    return settings


def test_production_with_every_stripe_setting_starts(production_stripe):
    app = create_app(production_stripe)
    assert app.config["STRIPE_JS_URL"] == "https://js.stripe.com/v3/"
    assert app.config["STRIPE_ELEMENT"] == "payment" and app.config["STRIPE_PAYMENT_METHODS"] == "automatic"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"STRIPE_PUBLISHABLE_KEY": None}, "STREAKPOT_STRIPE_PUBLISHABLE_KEY is missing"),
        ({"STRIPE_PUBLISHABLE_KEY": "sk_live_oops"}, "STREAKPOT_STRIPE_PUBLISHABLE_KEY is missing"),
        ({"STRIPE_PUBLISHABLE_KEY": "pk_test_x"}, "not of the same mode"),
        ({"STRIPE_JS_URL": "https://cdn.example.test/stripe.js"}, "STRIPE_JS_URL must be Stripe's own"),
        ({"STRIPE_JS_URL": "http://127.0.0.1:4242/v3/"}, "STRIPE_JS_URL must be Stripe's own"),
        ({"STRIPE_ELEMENT": "checkout"}, "STREAKPOT_STRIPE_ELEMENT must be one of card, payment"),
        ({"STRIPE_ELEMENT": "card"}, 'STREAKPOT_STRIPE_PAYMENT_METHODS=\\["card"\\]'),
        ({"STRIPE_PAYMENT_METHODS": "card"}, "STREAKPOT_STRIPE_PAYMENT_METHODS must be"),
        ({"STRIPE_PAYMENT_METHODS": []}, "STREAKPOT_STRIPE_PAYMENT_METHODS must be"),
        ({"STRIPE_PAYMENT_METHODS": ["card", "card"]}, "STREAKPOT_STRIPE_PAYMENT_METHODS must be"),
        ({"STRIPE_PAYMENT_METHODS": ["card", "Ali Pay"]}, "STREAKPOT_STRIPE_PAYMENT_METHODS must be"),
    ],
)
def test_a_wrong_stripe_setting_stops_production_naming_it(production_stripe, change, message):
    production_stripe.update(change)
    with pytest.raises(ConfigError, match=message):
        create_app(production_stripe)


def test_the_wallets_and_cards_only_are_both_accepted(production_stripe):
    production_stripe["STRIPE_PAYMENT_METHODS"] = ["card", "alipay", "wechat_pay"]
    assert create_app(dict(production_stripe)).config["STRIPE_PAYMENT_METHODS"][1] == "alipay"
    production_stripe.update(STRIPE_ELEMENT="card", STRIPE_PAYMENT_METHODS=["card"])
    assert create_app(production_stripe).config["STRIPE_ELEMENT"] == "card"


def test_outside_production_a_stand_in_on_this_machine_is_allowed_but_not_elsewhere_over_http(
    database_url, tmp_path
):
    settings = test_settings(database_url, tmp_path)
    settings.update(
        PAYMENTS_MODE="stripe", STRIPE_SECRET_KEY="sk_test_x", STRIPE_JS_URL="http://127.0.0.1:4242/v3/"
    )
    assert create_app(dict(settings)).config["STRIPE_PUBLISHABLE_KEY"] is None  # the page says so
    settings["STRIPE_JS_URL"] = "http://stripe.example.test/v3/"
    with pytest.raises(ConfigError, match="STREAKPOT_STRIPE_JS_URL must be an https:// address"):
        create_app(settings)


def test_the_methods_come_from_the_environment_as_json(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("STREAKPOT_STRIPE_PAYMENT_METHODS", '["card", "wechat_pay"]')
    app = create_app(test_settings(database_url, tmp_path))
    assert app.config["STRIPE_PAYMENT_METHODS"] == ["card", "wechat_pay"]
