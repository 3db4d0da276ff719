"""The wallet's words: what each ledger movement that touches a member's wallet was, in their language.

A line is read from the transaction's key (``habits.books.parse_key``), never from its memo (the
memo is English, for operators), with the facts the page reads beside it: the challenge's title,
and for a winner's single posting the stake and the share it was made of, split by the receipts
code (``receipts.winner_parts``) from the postings that moved the money. Amounts are formatted for
the currency (``i18n.money``), days are "Day k + 1", and a line about a day links to that day's
statement.

There is one line per movement in ``books.WALLET_MOVES``, no more: tests/web/test_wallet_lines.py
writes every one of them through the use cases and fails on a movement without a line, or a line
for a movement nothing writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext

from habits import books
from habits.books import DisputeStep, KeyKind, OpenStep, ParsedKey, PayoutStep, SettleStep
from habits.web.i18n import money


@dataclass(frozen=True)
class Facts:
    """What one wallet entry's line says besides its key."""

    parsed: ParsedKey
    currency: str
    #: from the member's side: positive when money came into the wallet
    amount_minor: int
    #: the title of the challenge the key names (directly or through its enrollment)
    title: str | None = None
    #: a winner's one posting as (stake back, share of the pot)
    parts: tuple[int, int] | None = None

    @property
    def day(self) -> int:
        """Keys store day k from 0; people count from 1."""
        return self.parsed.day_index + 1

    @property
    def challenge(self) -> str:
        if self.title:
            return self.title
        number = self.parsed.challenge_id or self.parsed.enrollment_id
        return gettext("challenge #%(number)s", number=number)

    def amount(self, minor: int | None = None) -> str:
        return money(abs(self.amount_minor if minor is None else minor), self.currency)


def _winner(f: Facts) -> str:
    if f.parts is None:  # the member's held deposit did not post (cannot happen for a winner)
        return gettext(
            "Day %(day)s of “%(title)s”: you checked in, %(amount)s back with your share",
            day=f.day, title=f.challenge, amount=f.amount(),
        )  # fmt: skip
    stake, share = f.parts
    if not share:
        return gettext(
            "Day %(day)s of “%(title)s”: you checked in, stake back %(stake)s",
            day=f.day, title=f.challenge, stake=f.amount(stake),
        )  # fmt: skip
    return gettext(
        "Day %(day)s of “%(title)s”: stake back %(stake)s + share %(share)s",
        day=f.day, title=f.challenge, stake=f.amount(stake), share=f.amount(share),
    )  # fmt: skip


#: movement -> its line (a function: gettext runs in the request, in the member's language)
WALLET_LINES: dict[books.Move, Callable[[Facts], str]] = {
    (KeyKind.SETTLE, SettleStep.REST): lambda f: gettext(
        "Day %(day)s of “%(title)s”: rest day, your stake came back", day=f.day, title=f.challenge
    ),
    (KeyKind.SETTLE, SettleStep.EXCUSED): lambda f: gettext(
        "Day %(day)s of “%(title)s”: the day was excused, your stake came back", day=f.day, title=f.challenge
    ),
    (KeyKind.SETTLE, SettleStep.WINNERS): _winner,
    (KeyKind.SETTLE, SettleStep.LEFTOVERS): lambda f: gettext(
        "Day %(day)s of “%(title)s”, the last day: the rest of your deposit came back",
        day=f.day,
        title=f.challenge,
    ),
    (KeyKind.SETTLE, SettleStep.FINAL_SPLIT): lambda f: gettext(
        "Day %(day)s of “%(title)s”, the last day: your share of the last pot", day=f.day, title=f.challenge
    ),
    (KeyKind.OPEN, OpenStep.LATE_DEPOSITS): lambda f: gettext(
        "“%(title)s”: your deposit arrived after day 1 opened, so it came back", title=f.challenge
    ),
    (KeyKind.OPEN, OpenStep.EARLY_QUITS): lambda f: gettext(
        "“%(title)s”: you quit before day 1, so your deposit came back", title=f.challenge
    ),
    (KeyKind.OPEN, OpenStep.CANCEL_REFUNDS): lambda f: gettext(
        "“%(title)s” was cancelled: your deposit came back", title=f.challenge
    ),
    (KeyKind.DEPOSIT, None): lambda f: gettext(
        "Deposit for “%(title)s”, paid from your wallet", title=f.challenge
    ),
    (KeyKind.QUIT_BEFORE_START, None): lambda f: gettext(
        "You quit “%(title)s” before day 1: your deposit came back", title=f.challenge
    ),
    (KeyKind.LATE_PAYMENT, None): lambda f: gettext(
        "A payment arrived too late for its deposit: kept in your wallet"
    ),
    (KeyKind.WITHDRAWAL, None): lambda f: gettext("Withdrawal: refund to your card"),
    (KeyKind.REFUND, None): lambda f: gettext("Refund made outside Streakpot"),
    (KeyKind.REFUND_FAILED, None): lambda f: gettext("A refund failed: the money is back in your wallet"),
    (KeyKind.REFUND_REVERSED, None): lambda f: gettext(
        "A refund to your card was reversed: the money is back in your wallet"
    ),
    (KeyKind.REFUND_REFUSED, None): lambda f: gettext(
        "The card processor refused a refund: the money is back in your wallet"
    ),
    (KeyKind.DISPUTE, DisputeStep.FREEZE): lambda f: gettext(
        "A card dispute froze this money while the bank decides"
    ),
    (KeyKind.DISPUTE, DisputeStep.WON): lambda f: gettext(
        "The card dispute was closed: the frozen money is back in your wallet"
    ),
    (KeyKind.DISPUTE, DisputeStep.RELEASE): lambda f: gettext(
        "The card dispute was closed after the challenge ended: your deposit came back"
    ),
    (KeyKind.PAYOUT, PayoutStep.APPROVE): lambda f: gettext(
        "Payout #%(number)s approved: this money is on its way to you", number=f.parsed.payout_id
    ),
    (KeyKind.PAYOUT, PayoutStep.REFUSE): lambda f: gettext(
        "Payout #%(number)s refused: the money is back in your wallet", number=f.parsed.payout_id
    ),
}


@dataclass(frozen=True)
class WalletLine:
    text: str
    #: the page that shows where the money came from: a day's statement, the enrollment, the
    #: challenge; None when there is none
    href: str | None


def wallet_entry_text(
    key: str,
    memo: str,
    *,
    currency: str = "",
    amount_minor: int = 0,
    title: str | None = None,
    parts: tuple[int, int] | None = None,
) -> str:
    """What a wallet entry was, from its ledger key; the memo only for a key books cannot read."""
    parsed = books.parse_key(key)
    line = WALLET_LINES.get(parsed.move)
    if line is None:
        return memo
    return line(Facts(parsed, currency, amount_minor, title, parts))


def source_of(key: str) -> str | None:
    """Where a wallet entry's money came from: a settled day's statement, the enrollment a deposit
    or an early quit belongs to, or the challenge day 0's opening acted on."""
    parsed = books.parse_key(key)
    if parsed.kind == KeyKind.SETTLE:
        return url_for("web.statement", challenge_id=parsed.challenge_id, day_index=parsed.day_index)
    if parsed.kind in (KeyKind.DEPOSIT, KeyKind.QUIT_BEFORE_START):
        return url_for("web.enrollment", enrollment_id=parsed.enrollment_id)
    if parsed.kind == KeyKind.OPEN:
        return url_for("web.challenge", challenge_id=parsed.challenge_id)
    return None


def wallet_line(entry, *, title: str | None = None, parts: tuple[int, int] | None = None) -> WalletLine:
    """The line of one ``wallets.WalletEntry``."""
    text = wallet_entry_text(
        entry.key,
        entry.memo,
        currency=entry.currency,
        amount_minor=entry.amount_minor,
        title=title,
        parts=parts,
    )
    return WalletLine(text, source_of(entry.key))
