"""The gateway port, re-exported where the payment edge expects it (services define it)."""

from habits.services.ports import (
    DepositIntent,
    GatewayUnavailable,
    PaymentGateway,
    RefundRefused,
    RefundResult,
)

__all__ = ["DepositIntent", "GatewayUnavailable", "PaymentGateway", "RefundRefused", "RefundResult"]
