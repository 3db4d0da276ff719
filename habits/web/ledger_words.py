"""The wallet's words: what each ledger movement that touches a member's wallet was, in their language.

A line is read from the transaction's key (``habits.books.parse_key``), never from its memo (the
memo is English, for operators). There is one line per movement in ``books.WALLET_MOVES``, no
more: tests/web/test_wallet_lines.py writes every one of them through the use cases and fails
on a movement without a line, or a line for a movement nothing writes.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext

from habits import books
from habits.books import DisputeStep, KeyKind, OpenStep, ParsedKey, PayoutStep, SettleStep


def _day(parsed: ParsedKey) -> int:
    """Keys store day k from 0; people count from 1."""
    return parsed.day_index + 1


#: movement -> its line (a function: gettext runs in the request, in the member's language)
WALLET_LINES: dict[books.Move, Callable[[ParsedKey], str]] = {
    (KeyKind.SETTLE, SettleStep.REST): lambda p: gettext(
        "Day %(day)s: rest day, your stake came back", day=_day(p)
    ),
    (KeyKind.SETTLE, SettleStep.EXCUSED): lambda p: gettext(
        "Day %(day)s: excused, your stake came back", day=_day(p)
    ),
    (KeyKind.SETTLE, SettleStep.WINNERS): lambda p: gettext(
        "Day %(day)s: you checked in: your stake came back, with your share of the pot if it held any",
        day=_day(p),
    ),
    (KeyKind.SETTLE, SettleStep.LEFTOVERS): lambda p: gettext(
        "Day %(day)s, the last day: the rest of your deposit came back", day=_day(p)
    ),
    (KeyKind.SETTLE, SettleStep.FINAL_SPLIT): lambda p: gettext(
        "Day %(day)s, the last day: your share of the last pot", day=_day(p)
    ),
    (KeyKind.OPEN, OpenStep.LATE_DEPOSITS): lambda p: gettext(
        "Your deposit arrived after day 1 opened: it came back"
    ),
    (KeyKind.OPEN, OpenStep.EARLY_QUITS): lambda p: gettext("You quit before day 1: your deposit came back"),
    (KeyKind.OPEN, OpenStep.CANCEL_REFUNDS): lambda p: gettext(
        "The challenge was cancelled: your deposit came back"
    ),
    (KeyKind.DEPOSIT, None): lambda p: gettext("Deposit paid from your wallet"),
    (KeyKind.QUIT_BEFORE_START, None): lambda p: gettext("You quit before day 1: your deposit came back"),
    (KeyKind.LATE_PAYMENT, None): lambda p: gettext(
        "A payment arrived too late for its deposit: kept in your wallet"
    ),
    (KeyKind.WITHDRAWAL, None): lambda p: gettext("Withdrawal: refund to your card"),
    (KeyKind.REFUND, None): lambda p: gettext("Refund made outside Streakpot"),
    (KeyKind.REFUND_FAILED, None): lambda p: gettext("A refund failed: the money is back in your wallet"),
    (KeyKind.REFUND_REVERSED, None): lambda p: gettext(
        "A refund to your card was reversed: the money is back in your wallet"
    ),
    (KeyKind.REFUND_REFUSED, None): lambda p: gettext(
        "The card processor refused a refund: the money is back in your wallet"
    ),
    (KeyKind.DISPUTE, DisputeStep.FREEZE): lambda p: gettext(
        "A card dispute froze this money while the bank decides"
    ),
    (KeyKind.DISPUTE, DisputeStep.WON): lambda p: gettext(
        "The card dispute was closed: the frozen money is back in your wallet"
    ),
    (KeyKind.DISPUTE, DisputeStep.RELEASE): lambda p: gettext(
        "The card dispute was closed after the challenge ended: your deposit came back"
    ),
    (KeyKind.PAYOUT, PayoutStep.APPROVE): lambda p: gettext(
        "Payout #%(number)s approved: this money is on its way to you", number=p.payout_id
    ),
    (KeyKind.PAYOUT, PayoutStep.REFUSE): lambda p: gettext(
        "Payout #%(number)s refused: the money is back in your wallet", number=p.payout_id
    ),
}


def wallet_entry_text(key: str, memo: str) -> str:
    """What a wallet entry was, from its ledger key; the memo only for a key books cannot read."""
    parsed = books.parse_key(key)
    line = WALLET_LINES.get(parsed.move)
    return line(parsed) if line else memo
