"""Our names for ledger accounts: the vocabulary the generic ledger lacks.

Codes are stable strings a human can read back to their cause:

=================================  ==========  =============================================
code                               kind        holds
=================================  ==========  =============================================
processor_cash:{CCY}               asset       money at the payment processor (Stripe)
held:enrollment:{id}               liability   the part of a deposit not yet returned/forfeited
wallet:member:{id}:{CCY}           liability   what we owe the member now
pot:challenge:{id}                 liability   forfeits waiting to be split
refunds_pending:member:{id}:{CCY}  liability   money on its way back to a card
frozen:enrollment:{id}             liability   a held deposit frozen by a card dispute
fee_revenue:{CCY}                  revenue     the platform's fee
unclaimed_revenue:{CCY}            revenue     a last pot nobody completed to claim
=================================  ==========  =============================================

Every account that belongs to a member or a challenge may never go negative.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

import ledger


@dataclass(frozen=True)
class AccountSpec:
    code: str
    kind: str
    currency: str
    non_negative: bool


def processor_cash(currency: str) -> AccountSpec:
    return AccountSpec(f"processor_cash:{currency}", "asset", currency, False)


def held_deposit(enrollment_id: int, currency: str) -> AccountSpec:
    return AccountSpec(f"held:enrollment:{enrollment_id}", "liability", currency, True)


def wallet(member_id: int, currency: str) -> AccountSpec:
    return AccountSpec(f"wallet:member:{member_id}:{currency}", "liability", currency, True)


def pot(challenge_id: int, currency: str) -> AccountSpec:
    return AccountSpec(f"pot:challenge:{challenge_id}", "liability", currency, True)


def refunds_pending(member_id: int, currency: str) -> AccountSpec:
    return AccountSpec(f"refunds_pending:member:{member_id}:{currency}", "liability", currency, True)


def frozen_deposit(enrollment_id: int, currency: str) -> AccountSpec:
    return AccountSpec(f"frozen:enrollment:{enrollment_id}", "liability", currency, True)


def fee_revenue(currency: str) -> AccountSpec:
    return AccountSpec(f"fee_revenue:{currency}", "revenue", currency, False)


def unclaimed_revenue(currency: str) -> AccountSpec:
    return AccountSpec(f"unclaimed_revenue:{currency}", "revenue", currency, False)


def open_account(session: Session, spec: AccountSpec) -> ledger.Account:
    """Get or create the ledger account for ``spec`` (race-safe in the ledger)."""
    return ledger.get_or_create_account(
        session, code=spec.code, kind=spec.kind, currency=spec.currency, non_negative=spec.non_negative
    )


def deposit_key(enrollment_id: int) -> str:
    """The ledger key of the transaction that funds an enrollment's held deposit (exactly once)."""
    return f"deposit:{enrollment_id}"
