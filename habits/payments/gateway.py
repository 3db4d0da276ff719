"""The gateway port, re-exported where the payment edge expects it (services define it), and
where the app keeps the gateway it built."""

from flask import current_app

from habits.services.ports import (
    DepositIntent,
    GatewayUnavailable,
    PaymentGateway,
    RefundRefused,
    RefundResult,
)

__all__ = [
    "EXTENSION_KEY",
    "DepositIntent",
    "GatewayUnavailable",
    "PaymentGateway",
    "RefundRefused",
    "RefundResult",
    "current_gateway",
]

EXTENSION_KEY = "streakpot.gateway"


def current_gateway() -> PaymentGateway:
    return current_app.extensions[EXTENSION_KEY]
