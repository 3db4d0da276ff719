"""Enrollment statuses and the events that move an enrollment between them.

SPEC: an enrollment's states are ``pending_payment``, ``active``, ``eliminated``,
``completed``, ``withdrawn``, ``cancelled``, ``suspended``. In particular:

    The enrollment becomes ``active`` only when a verified ``payment_intent.succeeded``
    webhook arrives. [...] an enrollment still ``pending_payment`` [when day 0's window opens]
    is ``cancelled``. [...] When ``misses > max_misses`` the enrollment is ``eliminated``.
    A member who quits (``withdrawn``) [...]. After day N-1 is settled, every enrollment still
    ``active`` is ``completed``. ``charge.dispute.created`` suspends the enrollment and freezes
    its held deposit.

``next_status`` returns None for a move the table does not allow, and callers *ignore* it:
webhooks arrive twice and out of order, sweeps re-run, so a repeated or late event is a
no-op, never an error (indico's ``TransactionStatusTransition`` works the same way). What
happens to the money on an ignored event (say, a payment that lands after the enrollment was
cancelled, which SPEC sends to the wallet) is the services' business, not this table's.

Choices the SPEC leaves open, made here:

- A member may quit while still ``pending_payment``: ``withdrawn``, with nothing to refund.
- A lost dispute means the deposit left us through the card network, so the member is out:
  ``suspended`` --dispute_lost--> ``eliminated``. A won dispute restores ``active``.
- A ``suspended`` enrollment ignores everything but the dispute's outcome, including a quit,
  a challenge cancellation and the finish: its deposit is frozen, so no rule that moves that
  deposit can run until the card network has decided. After ``dispute_won`` the services
  re-apply whatever happened meanwhile (cancelled or finished challenge).
- ``eliminated``, ``completed``, ``withdrawn`` and ``cancelled`` are terminal.
"""

from __future__ import annotations

from enum import StrEnum


class EnrollmentStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    ACTIVE = "active"
    ELIMINATED = "eliminated"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    SUSPENDED = "suspended"


class EnrollmentEvent(StrEnum):
    #: a verified payment_intent.succeeded, or a deposit paid from the wallet
    PAYMENT_CONFIRMED = "payment_confirmed"
    #: day 0's window opened and the deposit had not arrived
    UNPAID_AT_DAY_ZERO = "unpaid_at_day_zero"
    #: too few participants, or an organizer cancelled the challenge
    CHALLENGE_CANCELLED = "challenge_cancelled"
    #: misses > max_misses at a settlement
    MISSED_TOO_OFTEN = "missed_too_often"
    #: the member left the challenge
    QUIT = "quit"
    #: day N-1 was settled
    FINISHED = "finished"
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_WON = "dispute_won"
    DISPUTE_LOST = "dispute_lost"


_S = EnrollmentStatus
_E = EnrollmentEvent

TRANSITIONS: dict[tuple[EnrollmentStatus, EnrollmentEvent], EnrollmentStatus] = {
    (_S.PENDING_PAYMENT, _E.PAYMENT_CONFIRMED): _S.ACTIVE,
    (_S.PENDING_PAYMENT, _E.UNPAID_AT_DAY_ZERO): _S.CANCELLED,
    (_S.PENDING_PAYMENT, _E.CHALLENGE_CANCELLED): _S.CANCELLED,
    (_S.PENDING_PAYMENT, _E.QUIT): _S.WITHDRAWN,
    (_S.ACTIVE, _E.MISSED_TOO_OFTEN): _S.ELIMINATED,
    (_S.ACTIVE, _E.QUIT): _S.WITHDRAWN,
    (_S.ACTIVE, _E.FINISHED): _S.COMPLETED,
    (_S.ACTIVE, _E.CHALLENGE_CANCELLED): _S.CANCELLED,
    (_S.ACTIVE, _E.DISPUTE_OPENED): _S.SUSPENDED,
    (_S.SUSPENDED, _E.DISPUTE_WON): _S.ACTIVE,
    (_S.SUSPENDED, _E.DISPUTE_LOST): _S.ELIMINATED,
}

TERMINAL_STATUSES: frozenset[EnrollmentStatus] = frozenset(
    {_S.ELIMINATED, _S.COMPLETED, _S.WITHDRAWN, _S.CANCELLED}
)

#: SPEC: "For each enrollment that is ``active`` at day k" -- only these are settled.
TAKES_PART_IN_SETTLEMENT: frozenset[EnrollmentStatus] = frozenset({_S.ACTIVE})

# The status groups every edge and service asks (one definition each).

#: never took part: no deposit yet, or none at day 0. Not on leaderboards or health figures, and
#: may not check in at all.
NEVER_TOOK_PART: frozenset[EnrollmentStatus] = frozenset({_S.PENDING_PAYMENT, _S.CANCELLED})

#: took part once but no longer plays for money: their check-ins count for streaks and the
#: feed, never for money (SPEC).
CHECK_INS_NOT_FOR_MONEY: frozenset[EnrollmentStatus] = frozenset({_S.ELIMINATED, _S.WITHDRAWN, _S.COMPLETED})

#: hold no money in the challenge any more: the deposit is gone back or was never paid.
HOLDS_NO_MONEY: frozenset[EnrollmentStatus] = frozenset({_S.WITHDRAWN, _S.CANCELLED})

#: still bind the member to the challenge (SPEC: "at most one enrollment per member and challenge
#: is not in a terminal state"). The database holds it with a partial unique index over these
#: statuses (models/enrollment.py); a member who left before day 0 may join again, as a new
#: enrollment with its own deposit and ledger keys.
LIVE: frozenset[EnrollmentStatus] = frozenset(set(_S) - TERMINAL_STATUSES)


def may_check_in(status: EnrollmentStatus) -> bool:
    """Any enrollment that took part may check in (for money only while it plays for money)."""
    return EnrollmentStatus(status) not in NEVER_TOOK_PART


def check_in_counts_for_money(status: EnrollmentStatus) -> bool:
    return EnrollmentStatus(status) not in CHECK_INS_NOT_FOR_MONEY


def next_status(current: EnrollmentStatus, event: EnrollmentEvent) -> EnrollmentStatus | None:
    """The status after ``event``, or None when the event does not apply and must be ignored."""
    return TRANSITIONS.get((EnrollmentStatus(current), EnrollmentEvent(event)))


def is_terminal(status: EnrollmentStatus) -> bool:
    """True for statuses no event can leave."""
    return EnrollmentStatus(status) in TERMINAL_STATUSES


def allowed_events(status: EnrollmentStatus) -> frozenset[EnrollmentEvent]:
    """The events that move an enrollment out of ``status``."""
    return frozenset(event for (source, event) in TRANSITIONS if source == status)
