"""The pay page's card (and wallet) payment when PAYMENTS_MODE=stripe: Stripe.js and one element.

The page reads the deposit's PaymentIntent back from Stripe (it was created at join; its client
secret goes only to the enrollment's owner, on a page no cache keeps), loads Stripe.js from
``STRIPE_JS_URL`` under the pay page's own Content-Security-Policy (``security_headers``
"stripe_js": no other page allows Stripe's hosts) and mounts ``STRIPE_ELEMENT``:

- "payment": the Payment Element, card first, then the wallets the account has (Alipay and
  WeChat Pay for Chinese communities) in ``WALLET_ORDER``. ``stripe.confirmPayment`` with
  ``redirect: "if_required"``: a card or WeChat Pay's QR code stays on the page; Alipay goes to
  its site and comes back here with Stripe's ``payment_intent`` and ``redirect_status``.
- "card": the Card Element and ``stripe.confirmCardPayment``, cards only (the element that
  localstripe's Stripe.js stand-in imitates).

Nothing here decides that a deposit is paid: the enrollment becomes active only when the signed
``payment_intent.succeeded`` webhook is booked (habits.payments). Until then, a payment the
processor already has ("processing", "succeeded") is shown as waiting, and the page looks again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, flash, request, url_for
from flask_babel import gettext

from habits.domain.lifecycle import EnrollmentStatus
from habits.security_headers import use_page_policy
from habits.services import deposits
from habits.web.edge import attempt, gateway
from habits.web.i18n import current_locale, money

#: the wallets offered after the card, in this order, when the account has them
WALLET_ORDER = ("alipay", "wechat_pay")
#: the processor has the money (or is taking it): only the webhook is missing
WAITING_STATUSES = frozenset({"processing", "succeeded"})
#: Stripe's query arguments on the way back from a redirecting method (Alipay)
RETURNED_SECRET = "payment_intent_client_secret"
RETURNED_INTENT = "payment_intent"
RETURNED_STATUS = "redirect_status"


@dataclass(frozen=True)
class CardPayment:
    """What the pay page shows for cards: ``state`` is "form" (the element, from ``setup``),
    "waiting" (the processor has the payment, its webhook is not booked yet) or "unavailable"
    (no publishable key on this server)."""

    state: str
    setup: dict = field(default_factory=dict)


def stripe_payments() -> bool:
    return current_app.config["PAYMENTS_MODE"] == "stripe"


def payment_method_order() -> list[str]:
    """Card first, then the wallets (those listed in STRIPE_PAYMENT_METHODS, when it lists)."""
    listed = current_app.config.get("STRIPE_PAYMENT_METHODS")
    wallets = WALLET_ORDER if isinstance(listed, str) else [m for m in listed if m != "card"]
    return ["card", *wallets]


def stripe_locale() -> str:
    """Stripe.js's name for the page's language (it words the element and its errors)."""
    return "zh" if current_locale().startswith("zh") else "en"


def prepare(enrollment) -> CardPayment | None:
    """What to show for paying ``enrollment`` by card; None outside the stripe mode, or when the
    deposit cannot be asked for now (the refusal was flashed: enrollment closed, processor down)."""
    if not stripe_payments():
        return None
    config = current_app.config
    if not config.get("STRIPE_PUBLISHABLE_KEY"):
        return CardPayment("unavailable")
    outcome = attempt(deposits.start_deposit, enrollment, gateway=gateway(), pay_from_wallet=False)
    if not outcome.ok:
        return None
    intent = outcome.value
    if intent.status in WAITING_STATUSES:
        return CardPayment("waiting")
    use_page_policy("stripe_js")
    return CardPayment(
        "form",
        {
            "jsUrl": config["STRIPE_JS_URL"],
            "publishableKey": config["STRIPE_PUBLISHABLE_KEY"],
            "clientSecret": intent.client_secret,
            "element": config["STRIPE_ELEMENT"],
            "locale": stripe_locale(),
            "methodOrder": payment_method_order(),
            "returnPath": url_for("web.pay", enrollment_id=enrollment.id),
            "messages": {
                "failed": gettext(
                    "The payment did not go through, and nothing was charged. You can try again."
                ),
                "unavailable": gettext(
                    "The payment form could not load. Check your connection and reload this page."
                ),
                "working": gettext("Paying…"),
            },
        },
    )


def protect(response, card: CardPayment | None):
    """A page holding a client secret is never stored by a cache, shared or not."""
    if card is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def returned_with_secret() -> bool:
    """Stripe's redirect back put the client secret in the address; the page drops it."""
    return RETURNED_SECRET in request.args


def address_without_secret(enrollment) -> str:
    kept = {name: request.args[name] for name in (RETURNED_INTENT, RETURNED_STATUS) if name in request.args}
    return url_for("web.pay", enrollment_id=enrollment.id, **kept)


def came_back_failed() -> bool:
    """The member came back from a redirecting method (Alipay) without paying."""
    return request.args.get(RETURNED_STATUS) == "failed"


def flash_if_just_paid(enrollment) -> None:
    """Coming back to the pay page once the webhook booked this payment: say so, once."""
    just_paid = (
        request.args.get(RETURNED_INTENT) is not None
        and request.args.get(RETURNED_INTENT) == enrollment.payment_intent_id
        and enrollment.status == EnrollmentStatus.ACTIVE
        and not enrollment.paid_from_wallet
    )
    if just_paid:
        flash(
            gettext(
                "Deposit of %(amount)s paid. You are in!",
                amount=money(enrollment.deposit_minor, enrollment.currency),
            )
        )
