"""Transaction keys: what each ledger transaction is, built and read back (table: books/__init__).

A key is the transaction's idempotency key AND its meaning: receipts, statements, the audit and
the wallet page read what happened from it, so each kind of movement has its own key.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from habits.books.formats import Format


class KeyKind(StrEnum):
    DEPOSIT = "deposit"
    LATE_PAYMENT = "late-payment"
    QUIT_BEFORE_START = "quit-before-start"
    WITHDRAWAL = "withdrawal"
    REFUND = "refund"
    REFUND_FAILED = "refund-failed"
    REFUND_REVERSED = "refund-reversed"
    REFUND_REFUSED = "refund-refused"
    OUTSIDE_REFUND = "outside-refund"
    DISPUTE = "dispute"
    OPEN = "open"
    SETTLE = "settle"
    PAYOUT = "payout"
    UNKNOWN = "unknown"


class OpenStep(StrEnum):
    """Day 0's opening: held deposits back to wallets, one transaction per reason."""

    LATE_DEPOSITS = "late-deposits"
    EARLY_QUITS = "early-quits"
    CANCEL_REFUNDS = "cancel-refunds"


class SettleStep(StrEnum):
    """One settled day: one transaction per kind of movement."""

    REST = "rest"
    EXCUSED = "excused"
    MISSES = "misses"
    ELIMINATIONS = "eliminations"
    QUITS = "quits"
    WINNERS = "winners"
    LEFTOVERS = "leftovers"
    FINAL_SPLIT = "final-split"
    UNCLAIMED = "unclaimed"


class DisputeStep(StrEnum):
    FREEZE = "freeze"
    WON = "won"
    LOST = "lost"
    RELEASE = "release"


class PayoutStep(StrEnum):
    """A payout's movements (services/payouts.py); asking for one moves nothing."""

    APPROVE = "approve"  # wallet -> payouts pending
    PAID = "paid"  # payouts pending -> processor cash: the operator paid it
    REFUSE = "refuse"  # payouts pending -> wallet: refused after it was approved


#: the one place each key's format is written; read back in this order (``before-start`` is a
#: literal, so a quit before day 0 is told from a withdrawal of the same shape)
KEY_FORMATS: dict[KeyKind, Format] = {
    KeyKind.DEPOSIT: Format("deposit:{enrollment_id}"),
    KeyKind.LATE_PAYMENT: Format("stripe-late:{ref}"),
    KeyKind.QUIT_BEFORE_START: Format("withdrawal:{enrollment_id}:before-start"),
    KeyKind.WITHDRAWAL: Format("withdrawal:{withdrawal_id}:{ref}"),
    KeyKind.REFUND: Format("refund:{ref}"),
    KeyKind.REFUND_FAILED: Format("refund-failed:{ref}"),
    KeyKind.REFUND_REVERSED: Format("refund-reversed:{ref}"),
    KeyKind.REFUND_REFUSED: Format("refund-refused:{ref}"),
    # a ``refunds`` row's key for a refund made outside Streakpot (never a ledger key)
    KeyKind.OUTSIDE_REFUND: Format("external:{ref}"),
    KeyKind.DISPUTE: Format("dispute:{ref}:{part}"),
    KeyKind.OPEN: Format("open:{challenge_id}:{part}"),
    KeyKind.SETTLE: Format("settle:{challenge_id}:{day_index}:{part}"),
    KeyKind.PAYOUT: Format("payout:{payout_id}:{part}"),
}
#: the steps a ``{part}`` may name, per kind
STEPS: dict[KeyKind, type[StrEnum]] = {
    KeyKind.DISPUTE: DisputeStep,
    KeyKind.OPEN: OpenStep,
    KeyKind.SETTLE: SettleStep,
    KeyKind.PAYOUT: PayoutStep,
}

#: a kind of movement: the key's kind and, for stepped kinds, its step
Move = tuple[KeyKind, StrEnum | None]

#: every movement that can put money into a member's wallet or take it out; the wallet page has
#: a line for each (tests/web/test_wallet_lines.py writes them all through the use cases)
WALLET_MOVES: frozenset[Move] = frozenset(
    {
        (KeyKind.DEPOSIT, None),  # paid from the wallet
        (KeyKind.LATE_PAYMENT, None),
        (KeyKind.QUIT_BEFORE_START, None),
        (KeyKind.WITHDRAWAL, None),
        (KeyKind.REFUND, None),  # only a refund made outside Streakpot touches the wallet
        (KeyKind.REFUND_FAILED, None),
        (KeyKind.REFUND_REVERSED, None),
        (KeyKind.REFUND_REFUSED, None),
        (KeyKind.DISPUTE, DisputeStep.FREEZE),  # a disputed payment that went to the wallet
        (KeyKind.DISPUTE, DisputeStep.WON),  # ... and comes back to it
        (KeyKind.DISPUTE, DisputeStep.RELEASE),
        (KeyKind.PAYOUT, PayoutStep.APPROVE),  # out of the wallet, to be paid by the operator
        (KeyKind.PAYOUT, PayoutStep.REFUSE),  # ... and back when refused after the approval
        *((KeyKind.OPEN, step) for step in OpenStep),
        *(
            (KeyKind.SETTLE, step)
            for step in (
                SettleStep.REST,
                SettleStep.EXCUSED,
                SettleStep.WINNERS,
                SettleStep.LEFTOVERS,
                SettleStep.FINAL_SPLIT,
            )
        ),
    }
)


# -- building keys -------------------------------------------------------------------------------


def deposit_key(enrollment_id: int) -> str:
    """The transaction that funds an enrollment's held deposit (exactly once, card or wallet)."""
    return KEY_FORMATS[KeyKind.DEPOSIT].build(enrollment_id=enrollment_id)


def late_payment_key(payment_intent_id: str) -> str:
    """A payment no enrollment can take, kept in the member's wallet."""
    return KEY_FORMATS[KeyKind.LATE_PAYMENT].build(ref=payment_intent_id)


def quit_before_start_key(enrollment_id: int) -> str:
    """A quit before day 0 gives the held deposit back to the wallet."""
    return KEY_FORMATS[KeyKind.QUIT_BEFORE_START].build(enrollment_id=enrollment_id)


def withdrawal_key(withdrawal_id: int, charge: str) -> str:
    """One charge's part of a withdrawal: the transaction, the refund row and its idempotency key."""
    return KEY_FORMATS[KeyKind.WITHDRAWAL].build(withdrawal_id=withdrawal_id, ref=charge)


def refund_key(refund_id: str) -> str:
    """A refund the processor completed (``re_...``): ours, or one made outside Streakpot."""
    return KEY_FORMATS[KeyKind.REFUND].build(ref=refund_id)


def refund_failed_key(refund_id: str) -> str:
    return KEY_FORMATS[KeyKind.REFUND_FAILED].build(ref=refund_id)


def refund_reversed_key(refund_id: str) -> str:
    return KEY_FORMATS[KeyKind.REFUND_REVERSED].build(ref=refund_id)


def refund_refused_key(refund_row_key: str) -> str:
    """The processor refused the refund whose own key (a withdrawal key) is given."""
    return KEY_FORMATS[KeyKind.REFUND_REFUSED].build(ref=refund_row_key)


def outside_refund_key(refund_id: str) -> str:
    """The ``refunds`` row of a refund made outside Streakpot (its ledger key is ``refund_key``)."""
    return KEY_FORMATS[KeyKind.OUTSIDE_REFUND].build(ref=refund_id)


def dispute_key(dispute_id: str, step: DisputeStep) -> str:
    return KEY_FORMATS[KeyKind.DISPUTE].build(ref=dispute_id, part=DisputeStep(step))


def open_key(challenge_id: int, step: OpenStep) -> str:
    return KEY_FORMATS[KeyKind.OPEN].build(challenge_id=challenge_id, part=OpenStep(step))


def settle_key(challenge_id: int, day_index: int, step: SettleStep) -> str:
    return KEY_FORMATS[KeyKind.SETTLE].build(
        challenge_id=challenge_id, day_index=day_index, part=SettleStep(step)
    )


def payout_key(payout_id: int, step: PayoutStep) -> str:
    """One movement of a payout: its transaction and idempotency key (a retried click posts once)."""
    return KEY_FORMATS[KeyKind.PAYOUT].build(payout_id=payout_id, part=PayoutStep(step))


def payout_like() -> str:
    """LIKE pattern of every payout's transactions."""
    return KEY_FORMATS[KeyKind.PAYOUT].prefix() + "%"


def settle_prefix(challenge_id: int | None = None, day_index: int | None = None) -> str:
    """What every settlement key (of a challenge, of one of its days) starts with."""
    fields = {"challenge_id": challenge_id, "day_index": day_index}
    return KEY_FORMATS[KeyKind.SETTLE].prefix(**{name: v for name, v in fields.items() if v is not None})


def settle_like(challenge_id: int | None = None, day_index: int | None = None) -> str:
    """LIKE pattern of those keys."""
    return settle_prefix(challenge_id, day_index) + "%"


# -- the same keys in SQL, over columns (set-based paths) -------------------------------------------


def deposit_key_sql(enrollment_id):
    return KEY_FORMATS[KeyKind.DEPOSIT].sql(enrollment_id=enrollment_id)


def settle_prefix_sql(challenge_id, day_index):
    return KEY_FORMATS[KeyKind.SETTLE].prefix_sql(challenge_id=challenge_id, day_index=day_index)


def settle_key_sql(challenge_id, day_index, step: SettleStep):
    return KEY_FORMATS[KeyKind.SETTLE].sql(
        challenge_id=challenge_id, day_index=day_index, part=SettleStep(step)
    )


def settle_like_sql(challenge_id, day_index):
    return settle_prefix_sql(challenge_id, day_index) + "%"


# -- reading keys back ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedKey:
    kind: KeyKind
    key: str
    #: the step of a stepped kind (a SettleStep, OpenStep, DisputeStep or PayoutStep)
    part: StrEnum | None = None
    challenge_id: int | None = None
    #: 0-based, as stored (people read day k as "day k + 1")
    day_index: int | None = None
    enrollment_id: int | None = None
    withdrawal_id: int | None = None
    payout_id: int | None = None
    #: the processor's id (``pi_``, ``ch_``, ``re_``, ``dp_``), or the refused refund's own key
    ref: str | None = None

    @property
    def move(self) -> Move:
        return (self.kind, self.part)


def parse_key(key: str) -> ParsedKey:
    """What a transaction key says; a key no format matches is ``KeyKind.UNKNOWN``, never an error."""
    for kind, fmt in KEY_FORMATS.items():
        fields = fmt.match(key)
        if fields is None:
            continue
        if "part" in fields:
            try:
                fields["part"] = STEPS[kind](fields["part"])
            except ValueError:
                continue
        return ParsedKey(kind, key, **fields)
    return ParsedKey(KeyKind.UNKNOWN, key)
