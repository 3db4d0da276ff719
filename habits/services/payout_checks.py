"""``flask ledger verify`` knows payouts: each payout's ledger transactions are exactly those its
status says, for its amount, and nothing else moves money in or out of payouts pending.

So every member's payouts pending holds exactly their approved payouts, and processor cash
lost exactly the paid ones (``processor_cash.check_processor_cash`` subtracts those). Payouts are
decided by hand, a few a day at most, so their transactions are read into memory.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.books import KeyKind, PayoutStep
from habits.domain.payouts import PayoutStatus
from habits.models.payout import Payout
from ledger.invariants import REPORT_LIMIT, Violation

#: status -> the sets of movements a payout in it may have had (refused: before or after approval)
ALLOWED_STEPS: dict[PayoutStatus, tuple[frozenset[PayoutStep], ...]] = {
    PayoutStatus.REQUESTED: (frozenset(),),
    PayoutStatus.APPROVED: (frozenset({PayoutStep.APPROVE}),),
    PayoutStatus.PAID: (frozenset({PayoutStep.APPROVE, PayoutStep.PAID}),),
    PayoutStatus.REFUSED: (frozenset(), frozenset({PayoutStep.APPROVE, PayoutStep.REFUSE})),
}
#: the sign of each movement on payouts pending, in the ledger's raw terms (a liability grows negative)
PENDING_SIGN = {PayoutStep.APPROVE: -1, PayoutStep.PAID: 1, PayoutStep.REFUSE: 1}


def _pending_moves(session: Session) -> dict[str, list[tuple[str, int]]]:
    """Transaction key -> [(payouts pending code, raw amount)] of every posting on payouts pending."""
    T, P, A = ledger.LedgerTransaction, ledger.Posting, ledger.Account
    rows = session.execute(
        select(T.key, A.code, P.amount_minor)
        .join(P, P.transaction_id == T.id)
        .join(A, A.id == P.account_id)
        .where(A.code.like(books.payouts_pending_like()))
    )
    moves: dict[str, list[tuple[str, int]]] = {}
    for key, code, amount in rows:
        moves.setdefault(key, []).append((code, int(amount)))
    return moves


def check_payouts(session: Session) -> list[Violation]:
    moves = _pending_moves(session)
    T = ledger.LedgerTransaction
    steps: dict[int, set[PayoutStep]] = {}
    for key in session.scalars(select(T.key).where(T.key.like(books.payout_like()))):
        parsed = books.parse_key(key)
        if parsed.kind == KeyKind.PAYOUT:
            steps.setdefault(parsed.payout_id, set()).add(parsed.part)
    problems: list[Violation] = [
        Violation("payouts", f"payouts pending moved by {key}, which is no payout's", key)
        for key in sorted(moves)
        if books.parse_key(key).kind != KeyKind.PAYOUT
    ]
    for payout in session.scalars(select(Payout).order_by(Payout.id)):
        done = steps.pop(payout.id, set())
        ref = f"payout {payout.id}"
        if frozenset(done) not in ALLOWED_STEPS[payout.status]:
            shown = ", ".join(sorted(done)) or "none"
            message = f"payout {payout.id} is {payout.status.value} but its ledger moved: {shown}"
            problems.append(Violation("payouts", message, ref))
        code = books.payouts_pending(payout.member_id, payout.currency).code
        for step in done:
            key = books.payout_key(payout.id, step)
            want = [(code, PENDING_SIGN[step] * payout.amount_minor)]
            if moves.get(key) != want:
                problems.append(
                    Violation("payouts", f"{key} moved {moves.get(key)} on payouts pending, not {want}", key)
                )
    for payout_id in sorted(steps):
        problems.append(Violation("payouts", f"ledger transactions of payout {payout_id}, which is none"))
    return problems[:REPORT_LIMIT]
