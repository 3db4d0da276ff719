"""The habits-level check of processor cash against the payment, refund, dispute and payout records.

``ledger verify`` runs it beside the ledger's own invariants (through ``services.audit``).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.domain.payouts import PayoutStatus
from habits.models.payment import Dispute, DisputeStatus, Payment, Refund, RefundStatus
from habits.models.payout import Payout
from ledger.invariants import Violation


def check_processor_cash(session: Session) -> list[Violation]:
    """Processor cash = confirmed payments - completed refunds - lost disputes - payouts marked
    paid, per currency.

    Recomputed from the payment, refund, dispute and payout records and compared with the ledger's
    processor cash balance; one ``ledger.invariants.Violation`` per currency that
    disagrees. (``flask payments reconcile`` compares the same records with the processor.)
    """
    expected: dict[str, int] = {}
    for currency, total in session.execute(
        select(Payment.currency, func.sum(Payment.amount_minor)).group_by(Payment.currency)
    ):
        expected[currency] = expected.get(currency, 0) + int(total)
    for currency, total in session.execute(
        select(Refund.currency, func.sum(Refund.amount_minor))
        .where(Refund.status == RefundStatus.SUCCEEDED)
        .group_by(Refund.currency)
    ):
        expected[currency] = expected.get(currency, 0) - int(total)
    for currency, total in session.execute(
        select(Dispute.currency, func.sum(Dispute.frozen_minor))
        .where(Dispute.status == DisputeStatus.LOST)
        .group_by(Dispute.currency)
    ):
        expected[currency] = expected.get(currency, 0) - int(total)
    for currency, total in session.execute(
        select(Payout.currency, func.sum(Payout.amount_minor))
        .where(Payout.status == PayoutStatus.PAID)
        .group_by(Payout.currency)
    ):
        expected[currency] = expected.get(currency, 0) - int(total)
    actual: dict[str, int] = {}
    for account in session.scalars(
        select(ledger.Account).where(ledger.Account.code.like(books.processor_cash_like()))
    ):
        actual[account.currency] = ledger.balance(session, account)
    problems = []
    for currency in sorted(set(expected) | set(actual)):
        want, have = expected.get(currency, 0), actual.get(currency, 0)
        if want != have:
            problems.append(
                Violation(
                    "processor_cash",
                    f"processor cash {currency} is {have} in the ledger, but confirmed payments - "
                    f"completed refunds - lost disputes - paid payouts = {want}",
                    books.processor_cash(currency).code,
                )
            )
    return problems
