"""Reconciliation: what the processor reports against what our records and ledger say.

Stripe retries a webhook for three days at most, and a handler can be wrong, so nothing proves
the books but a comparison with the processor itself. Both directions are checked (Stripe
Ledger's completeness):

- every payment the processor confirmed is recorded once, for the same amount and currency, and
  its ledger transaction brought exactly that into processor cash; and every payment we
  recorded is one the processor confirmed;
- every refund the processor completed is completed here, with its ledger transaction, and
  every refund completed here is completed there;
- every movement of processor cash in the ledger is explained by one of those (or a lost
  dispute, or a payout marked paid), and per currency processor cash = payments - refunds -
  lost disputes - paid payouts.

Payouts leave through the operator's own bank, not through the processor's API: the paid ones
are listed (``paid_payouts_to_match``) for the operator to match with their bank statement.

In the stripe mode the processor's view is listed from its API (PaymentIntents and Refunds);
in the offline mode the stored, verified events are the processor's word. A stored event whose
object cannot be read (the inbox keeps every verified event, rejected ones too) is reported as a
difference, and the comparison goes on with the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.books import DisputeStep, PayoutStep
from habits.domain.instants import rfc3339_utc
from habits.models.payment import Dispute, DisputeStatus, Payment, Refund, RefundStatus, StripeEvent
from habits.payments import event_reading as read
from habits.payments.event_reading import EventRejected
from habits.services.payout_views import major_units, paid_payouts
from habits.services.refund_updates import processor_refund_status


@dataclass(frozen=True)
class Difference:
    kind: str
    reference: str
    processor: str | None = None
    ours: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.reference} (processor: {self.processor or '-'}; ours: {self.ours or '-'})"


@dataclass
class ProcessorView:
    #: PaymentIntent id -> (amount, currency) of every succeeded payment
    payments: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: refund id -> (amount, currency, status: pending|succeeded|failed)
    refunds: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    #: event id -> why its object could not be read (stored events only)
    unreadable: dict[str, str] = field(default_factory=dict)


def view_from_gateway(gateway) -> ProcessorView:
    """What Stripe (or localstripe) lists: succeeded PaymentIntents and every refund."""
    view = ProcessorView()
    for payment in gateway.succeeded_payments():
        view.payments[payment.payment_intent_id] = (payment.amount_minor, payment.currency)
    for refund in gateway.refunds():
        status = processor_refund_status(refund.status).value
        view.refunds[refund.refund_id] = (refund.amount_minor, refund.currency, status)
    return view


_REFUND_ORDER = {"pending": 0, "requested": 0, "succeeded": 1, "failed": 2}


PAYMENT_EVENTS = frozenset({"payment_intent.succeeded"})
REFUND_EVENTS = frozenset({"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"})
CHARGE_REFUNDED_EVENTS = frozenset({"charge.refunded"})


def view_from_events(session: Session) -> ProcessorView:
    """The offline mode's processor: the verified events we stored, whatever became of them."""
    view = ProcessorView()
    for event in session.scalars(select(StripeEvent).order_by(StripeEvent.created_at, StripeEvent.id)):
        try:
            _see_event(view, event)
        except EventRejected as unreadable:
            view.unreadable[event.id] = f"{event.type}: {unreadable}"
    return view


def _see_event(view: ProcessorView, event: StripeEvent) -> None:
    """Add what ``event`` says to ``view``, or raise EventRejected before adding anything."""
    if event.type not in PAYMENT_EVENTS | REFUND_EVENTS | CHARGE_REFUNDED_EVENTS:
        return
    payload = event.payload
    if not (isinstance(payload, dict) and isinstance(payload.get("data"), dict)):
        raise EventRejected("the stored event has no data")
    obj = read.object_of(payload)
    if event.type in PAYMENT_EVENTS:
        amount = read.amount_of(obj, "amount_received", "amount")
        view.payments[obj["id"]] = (amount, read.currency_of(obj))
    elif event.type in REFUND_EVENTS:
        _see_refund(view, _refund_seen(obj))
    else:
        # Every refund is read before any is added: a malformed one makes the event unreadable.
        for seen in [_refund_seen(refund) for refund in read.listed(obj, "refunds")]:
            _see_refund(view, seen)


def _refund_seen(refund: dict) -> tuple[str, tuple[int, str, str]]:
    status = processor_refund_status(read.status(refund)).value
    return refund["id"], (read.amount_of(refund, "amount"), read.currency_of(refund), status)


def _see_refund(view: ProcessorView, refund: tuple[str, tuple[int, str, str]]) -> None:
    refund_id, seen = refund
    known = view.refunds.get(refund_id)
    if known is None or _REFUND_ORDER[seen[2]] > _REFUND_ORDER[known[2]]:
        view.refunds[refund_id] = seen


def cash_movements(session: Session) -> dict[str, tuple[int, str]]:
    """Ledger transaction key -> (net amount into processor cash, currency)."""
    rows = session.execute(
        select(ledger.LedgerTransaction.key, ledger.Posting.amount_minor, ledger.Account.currency)
        .join(ledger.Posting, ledger.Posting.transaction_id == ledger.LedgerTransaction.id)
        .join(ledger.Account, ledger.Account.id == ledger.Posting.account_id)
        .where(ledger.Account.code.like(books.processor_cash_like()))
    )
    movements: dict[str, tuple[int, str]] = {}
    for key, amount, currency in rows:
        total, _ = movements.get(key, (0, currency))
        movements[key] = (total + int(amount), currency)
    return movements


def reconcile(session: Session, view: ProcessorView) -> list[Difference]:
    """Every difference between ``view`` and our records and ledger (empty: the books agree)."""
    differences = [
        Difference("processor event unreadable", event_id, why, None)
        for event_id, why in sorted(view.unreadable.items())
    ]
    cash = cash_movements(session)
    explained: set[str] = set()

    payments = {p.payment_intent_id: p for p in session.scalars(select(Payment))}
    for pi, (amount, currency) in sorted(view.payments.items()):
        payment = payments.get(pi)
        if payment is None:
            differences.append(Difference("payment not recorded", pi, f"{amount} {currency}", None))
            continue
        if (payment.amount_minor, payment.currency) != (amount, currency):
            differences.append(
                Difference(
                    "payment amount differs",
                    pi,
                    f"{amount} {currency}",
                    f"{payment.amount_minor} {payment.currency}",
                )
            )
    for pi, payment in sorted(payments.items()):
        ours = f"{payment.amount_minor} {payment.currency}"
        if pi not in view.payments:
            differences.append(Difference("payment unknown to the processor", pi, None, ours))
        explained.add(payment.ledger_key)
        booked = cash.get(payment.ledger_key)
        if booked != (payment.amount_minor, payment.currency):
            shown = f"{booked[0]} {booked[1]}" if booked else "no ledger transaction"
            differences.append(
                Difference(f"payment not in processor cash ({payment.ledger_key})", pi, ours, shown)
            )

    refunds = {r.refund_id: r for r in session.scalars(select(Refund).where(Refund.refund_id.is_not(None)))}
    for re_id, (amount, currency, status) in sorted(view.refunds.items()):
        refund = refunds.get(re_id)
        if status == "succeeded" and (refund is None or refund.status != RefundStatus.SUCCEEDED):
            ours = refund.status.value if refund else "not recorded"
            differences.append(
                Difference("refund completed but not booked", re_id, f"{amount} {currency}", ours)
            )
        elif refund is not None and refund.amount_minor != amount:
            differences.append(
                Difference("refund amount differs", re_id, f"{amount} {currency}", str(refund.amount_minor))
            )
    for re_id, refund in sorted(refunds.items()):
        if refund.status == RefundStatus.SUCCEEDED:
            seen = view.refunds.get(re_id)
            if seen is None or seen[2] != "succeeded":
                differences.append(
                    Difference(
                        "refund booked but not completed at the processor",
                        re_id,
                        seen[2] if seen else "unknown",
                        f"{refund.amount_minor} {refund.currency}",
                    )
                )
            key = books.refund_key(re_id)
            explained.add(key)
            if cash.get(key) != (-refund.amount_minor, refund.currency):
                differences.append(
                    Difference("refund not out of processor cash", re_id, None, str(cash.get(key)))
                )
        if refund.status == RefundStatus.FAILED:
            explained.update({books.refund_key(re_id), books.refund_reversed_key(re_id)})

    lost_by_currency: dict[str, int] = {}
    for dispute in session.scalars(select(Dispute).where(Dispute.status == DisputeStatus.LOST)):
        explained.add(books.dispute_key(dispute.dispute_id, DisputeStep.LOST))
        lost_by_currency[dispute.currency] = lost_by_currency.get(dispute.currency, 0) + dispute.frozen_minor

    paid_out = _paid_payouts(session, cash, explained, differences)

    for key, (amount, currency) in sorted(cash.items()):
        if key not in explained and amount != 0:
            differences.append(
                Difference("processor cash moved with no processor record", key, None, f"{amount} {currency}")
            )

    differences.extend(_totals(session, view, cash, lost_by_currency, paid_out))
    return differences


def _paid_payouts(session, cash, explained: set[str], differences: list[Difference]) -> dict[str, int]:
    """Each paid payout took its amount out of processor cash once; the totals per currency."""
    paid_out: dict[str, int] = {}
    for payout in paid_payouts(session):
        key = books.payout_key(payout.id, PayoutStep.PAID)
        explained.add(key)
        paid_out[payout.currency] = paid_out.get(payout.currency, 0) + payout.amount_minor
        if cash.get(key) != (-payout.amount_minor, payout.currency):
            differences.append(Difference("payout not out of processor cash", key, None, str(cash.get(key))))
    return paid_out


def _totals(session, view: ProcessorView, cash, lost_by_currency, paid_out=None) -> Iterable[Difference]:
    expected: dict[str, int] = {}
    for amount, currency in view.payments.values():
        expected[currency] = expected.get(currency, 0) + int(amount or 0)
    for amount, currency, status in view.refunds.values():
        if status == "succeeded":
            expected[currency] = expected.get(currency, 0) - int(amount or 0)
    for currency, amount in [*lost_by_currency.items(), *(paid_out or {}).items()]:
        expected[currency] = expected.get(currency, 0) - amount
    actual: dict[str, int] = {}
    for amount, currency in cash.values():
        actual[currency] = actual.get(currency, 0) + amount
    for currency in sorted(set(expected) | set(actual)):
        if expected.get(currency, 0) != actual.get(currency, 0):
            yield Difference(
                "processor cash total differs",
                currency,
                f"{expected.get(currency, 0)} (payments - refunds - lost disputes - paid payouts)",
                str(actual.get(currency, 0)),
            )


def reconcile_app(session: Session, gateway, mode: str) -> list[Difference]:
    """The comparison the CLI runs: Stripe's API in the stripe mode, stored events offline."""
    view = view_from_gateway(gateway) if mode == "stripe" else view_from_events(session)
    return reconcile(session, view)


@dataclass(frozen=True)
class PaidPayout:
    payout_id: int
    member_id: int
    amount_minor: int
    currency: str
    reference: str
    paid_at: datetime

    def __str__(self) -> str:
        amount = major_units(self.amount_minor, self.currency)
        return (
            f"payout {self.payout_id}: {amount} {self.currency} to member {self.member_id}, paid at "
            f"{rfc3339_utc(self.paid_at)}, reference {self.reference}"
        )


def paid_payouts_to_match(session: Session) -> list[PaidPayout]:
    """Every payout marked paid, oldest first: the operator matches each with their bank's
    record of the transfer (its reference), which no API of ours can see."""
    return [
        PaidPayout(p.id, p.member_id, p.amount_minor, p.currency, p.reference or "", p.paid_at)
        for p in paid_payouts(session)
    ]
