"""Payments: the only package that imports stripe (gateway, webhooks, handlers, reconciliation).

``init_payments(app)`` builds the gateway the config asks for into
``app.extensions["streakpot.gateway"]`` and registers POST /webhooks/stripe. Edges read the
gateway from there and pass it to the services (which never import stripe); the API may not
import this package at all, since the import contract counts indirect imports of stripe.
"""

from __future__ import annotations

from habits.config import AUTOMATIC_METHODS
from habits.extensions import csrf, limiter
from habits.payments.gateway import EXTENSION_KEY, current_gateway
from habits.payments.offline import OfflineGateway
from habits.payments.stripe_gateway import StripeGateway
from habits.payments.webhooks import webhook_secrets, webhooks_bp
from habits.services.ports import PaymentGateway

__all__ = ["EXTENSION_KEY", "build_gateway", "current_gateway", "init_payments"]


def build_gateway(config) -> PaymentGateway:
    if config["PAYMENTS_MODE"] == "stripe":
        return StripeGateway(
            config["STRIPE_SECRET_KEY"],
            api_base=config.get("STRIPE_API_BASE"),
            payment_methods=config.get("STRIPE_PAYMENT_METHODS", AUTOMATIC_METHODS),
        )
    return OfflineGateway(webhook_secrets(config))


def init_payments(app) -> None:
    app.extensions[EXTENSION_KEY] = build_gateway(app.config)
    # The signature is the webhook's authentication; Stripe neither holds a CSRF token nor
    # should be throttled (its retries would pile up behind a 429).
    csrf.exempt(webhooks_bp)
    limiter.exempt(webhooks_bp)
    app.register_blueprint(webhooks_bp)
