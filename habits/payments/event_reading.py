"""Reading a verified Stripe event: every field the handlers and reconciliation use, each checked
for the shape Stripe documents before anything is looked up or stored.

A signature proves who sent an event, not what it holds. A field that is present with another
shape (a list where Stripe sends an object, an id that is no string, a number beyond any amount)
raises ``EventRejected``: no retry can change a signed event, so it is kept ``rejected`` and
answered 200, never left ``failed`` (Stripe would retry it for three days and the inbox forever).
An absent optional field is simply absent.
"""

from __future__ import annotations

import re

#: Stripe's own ceiling is far below this; anything larger is not a real amount (and would
#: overflow a BIGINT)
MAX_AMOUNT_MINOR = 10**12
#: Stripe ids are short ASCII; ours go into ledger keys (255 characters) after a prefix
MAX_STRIPE_ID = 200
#: the largest row id (BIGINT)
MAX_ROW_ID = 2**63 - 1
#: printable ASCII, no space: what a Stripe id or one of our keys is made of
_REFERENCE = re.compile(r"[!-~]+")
_CURRENCY = re.compile(r"[A-Za-z]{3}")


class EventRejected(Exception):
    """Never usable: keep it visible and stop Stripe retrying."""


def object_of(event: dict) -> dict:
    """``data.object``, a dict with a valid ``id``."""
    obj = event["data"].get("object")
    if not isinstance(obj, dict):
        raise EventRejected("the event carries no object")
    reference(obj.get("id"), "the object's id")
    return obj


def reference(value, what: str) -> str:
    """A Stripe id (or our key in metadata): printable ASCII, 1 to MAX_STRIPE_ID characters."""
    if not isinstance(value, str) or len(value) > MAX_STRIPE_ID or not _REFERENCE.fullmatch(value):
        raise EventRejected(f"{what} is not a Stripe id")
    return value


def optional_reference(obj: dict, name: str) -> str | None:
    """A reference that may be absent (None), an id string, or an expanded object with an id
    (localstripe always expands)."""
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("id")
    return reference(value, f"{obj['id']}: {name}")


def amount_of(obj: dict, *names: str) -> int:
    """The first of ``names`` holding a positive integer amount within bounds."""
    for name in names:
        value = obj.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_AMOUNT_MINOR:
            return value
    raise EventRejected(f"{obj.get('id')}: no positive integer amount in {', '.join(names)}")


def currency_of(obj: dict) -> str:
    currency = obj.get("currency")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise EventRejected(f"{obj.get('id')}: no ISO 4217 currency")
    return currency.upper()


def mapping(obj: dict, name: str) -> dict:
    """An object-valued field (``metadata``, ``last_payment_error``); absent or null is empty."""
    value = obj.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise EventRejected(f"{obj['id']}: {name} is not an object")
    return value


def listed(obj: dict, name: str) -> list[dict]:
    """The items of a Stripe list field (``{"object": "list", "data": [...]}``), each an object
    with an id; absent or null is empty."""
    container = mapping(obj, name)
    items = container.get("data")
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise EventRejected(f"{obj['id']}: {name}.data is not a list of objects")
    for item in items:
        reference(item.get("id"), f"{obj['id']}: an item of {name}")
    return items


def text(obj: dict, name: str, *, max_length: int) -> str | None:
    """A free-text field (a reason, a message): a string, or absent. NUL characters (which no
    database column holds) and unpaired surrogates are dropped; it is cut to ``max_length``."""
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise EventRejected(f"{obj.get('id', 'the object')}: {name} is not text")
    value = value.replace("\x00", "").encode("utf-8", "ignore").decode("utf-8")
    return value[:max_length]


def status(obj: dict) -> str | None:
    return text(obj, "status", max_length=100)


def enrollment_id_of(intent: dict) -> int | None:
    """``metadata.enrollment_id`` as a row id; None when absent or when it names no possible row
    (then the payment is matched by its PaymentIntent id, as for an enrollment that is gone)."""
    raw = mapping(intent, "metadata").get("enrollment_id")
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 19:
        raw = int(raw)
    if isinstance(raw, int) and 1 <= raw <= MAX_ROW_ID:
        return raw
    return None


def charge_of_intent(intent: dict) -> str | None:
    """The PaymentIntent's charge: ``latest_charge``, else the first of its ``charges`` list."""
    charge = optional_reference(intent, "latest_charge")
    if charge:
        return charge
    charges = listed(intent, "charges")
    return charges[0]["id"] if charges else None
