"""Payouts: winnings paid out by the operator, their statuses, and how much a member may ask for.

SPEC, Payments: "What refunds cannot cover (winnings) can be asked for as a **payout**: a site
administrator approves it (wallet -> payouts pending), pays it by their own means and marks it
paid with a reference (payouts pending -> processor cash), or refuses it with a reason (back to
the wallet)."

Choices SPEC leaves open, made here:

- **Asking moves nothing.** SPEC books the first movement at the approval; until an
  administrator has looked, a request is a wish. Open requests still count against what the
  member may ask for next (``payout_ceiling``), so two requests never promise the same money.
  The member may spend the money meanwhile (a deposit from the wallet): the approval then finds
  the wallet short and is refused with that reason, and the administrator refuses the payout.
- **"What refunds cannot cover"** is the part of the wallet a withdrawal would keep: card
  refunds can still take back ``refundable`` (every charge of the member in that currency, minus
  its live refunds, none while disputed: ``services.withdrawals.refundable_minor``), so
  ``available - refundable`` is what only a payout can get out. Card money goes back to the card
  it came from; together the two roads empty any wallet.
- **Refusing** is possible while the payout is requested (nothing moves) or approved (payouts
  pending -> wallet); a paid payout is final.
- **A repeated decision is a no-op** (a retried click); a different one on a decided payout is
  refused.
"""

from __future__ import annotations

from enum import StrEnum


class PayoutStatus(StrEnum):
    REQUESTED = "requested"  # asked by the member; nothing moved
    APPROVED = "approved"  # wallet -> payouts pending; the operator pays it by their own means
    REFUSED = "refused"  # with a reason; back to the wallet if it had been approved
    PAID = "paid"  # payouts pending -> processor cash, with the operator's reference


class PayoutAction(StrEnum):
    """What happens to a payout; each is one line of its audit log."""

    REQUEST = "request"
    APPROVE = "approve"
    REFUSE = "refuse"
    PAY = "pay"


_S, _A = PayoutStatus, PayoutAction

TRANSITIONS: dict[tuple[PayoutStatus, PayoutAction], PayoutStatus] = {
    (_S.REQUESTED, _A.APPROVE): _S.APPROVED,
    (_S.REQUESTED, _A.REFUSE): _S.REFUSED,
    (_S.APPROVED, _A.REFUSE): _S.REFUSED,
    (_S.APPROVED, _A.PAY): _S.PAID,
}

#: the status each decision leads to (a payout already there was decided so: a repeat)
RESULT: dict[PayoutAction, PayoutStatus] = {
    _A.APPROVE: _S.APPROVED,
    _A.REFUSE: _S.REFUSED,
    _A.PAY: _S.PAID,
}

#: asked for and not yet decided: counted against what the member may ask for next
WAITING_FOR_DECISION: frozenset[PayoutStatus] = frozenset({_S.REQUESTED})
#: the money sits in payouts pending
IN_PAYOUTS_PENDING: frozenset[PayoutStatus] = frozenset({_S.APPROVED})
#: nothing more can happen to it
FINAL: frozenset[PayoutStatus] = frozenset({_S.REFUSED, _S.PAID})


def next_status(current: PayoutStatus, action: PayoutAction) -> PayoutStatus | None:
    """The status after ``action``, or None when the table does not allow it."""
    return TRANSITIONS.get((PayoutStatus(current), PayoutAction(action)))


def is_repeat(current: PayoutStatus, action: PayoutAction) -> bool:
    """The payout already is where ``action`` leads: a retried decision, which changes nothing."""
    return RESULT.get(PayoutAction(action)) == PayoutStatus(current)


def payout_ceiling(*, available_minor: int, refundable_minor: int, requested_minor: int) -> int:
    """The most a member may ask for now: what card refunds cannot take back of the wallet,
    less the requests still waiting for a decision. Never negative."""
    return max(0, available_minor - max(0, refundable_minor) - max(0, requested_minor))
