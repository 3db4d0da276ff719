"""What the ledger says about a member's money and a day's settlement: receipts and statements.

Every figure here is read from the ledger's postings (never from a cached copy that can drift):

- an enrollment's money (``enrollment_money``): held = its held account's balance; returned =
  what left the held deposit in transactions that paid its member's wallet; forfeited = what left
  it in transactions that fed the challenge's pot; won = what the member's wallet received in
  transactions that paid out of the pot; frozen = its dispute account's balance;
- a member's per-day receipts (``enrollment_receipts``) and a day's statement lines
  (``day_statement``) are the postings of the day's settlement transactions, whose keys say what
  they are (``books.settle_key``; the table of keys is in ``habits.books``).
"""

from __future__ import annotations

from collections import Counter
from functools import partial

from sqlalchemy import BigInteger, and_, case, false, func, literal, null, select, true, union_all
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.books import SettleStep
from habits.models import Challenge, CheckIn, Enrollment
from habits.models.settlement import DaySettlement
from habits.services.errors import NotFound
from habits.services.headcount import has_taken_part, took_part
from ledger.tables import postings, transactions

#: settlement key step -> (statement line kind, receipt figure) of a posting on a held deposit
HELD_LINES = {
    SettleStep.WINNERS: ("returned", "returned_minor"),
    SettleStep.REST: ("rest_day", "returned_minor"),
    SettleStep.EXCUSED: ("excused", "returned_minor"),
    SettleStep.MISSES: ("missed", "forfeited_minor"),
    SettleStep.ELIMINATIONS: ("eliminated", "forfeited_minor"),
    SettleStep.QUITS: ("withdrawn", "forfeited_minor"),
    SettleStep.LEFTOVERS: ("leftover", "returned_minor"),
}
#: ... and of a posting on a wallet. In ``winners`` the wallet receives the stake and the share
#: in one posting: the share won is that posting less the stake that left the held deposit.
WALLET_LINES = {
    SettleStep.WINNERS: ("won", "won_minor"),
    SettleStep.FINAL_SPLIT: ("final_share", "won_minor"),
}
#: every statement line kind, in the order a member's lines are listed
LINE_ORDER = [kind for kind, _ in HELD_LINES.values()] + [kind for kind, _ in WALLET_LINES.values()]
#: a day's outcome for the member, by the first of these steps their held deposit shows
OUTCOME_ORDER = (
    SettleStep.QUITS, SettleStep.ELIMINATIONS, SettleStep.MISSES, SettleStep.EXCUSED, SettleStep.REST,
    SettleStep.WINNERS,
)  # fmt: skip


def _account_id(session: Session, code: str) -> int | None:
    return session.scalar(select(ledger.Account.id).where(ledger.Account.code == code))


def enrollment_money(session: Session, enrollment: Enrollment) -> dict:
    """``{deposit_minor, held_minor, returned_minor, forfeited_minor, won_minor, frozen_minor,
    currency}`` for one enrollment, from the ledger."""
    p, q = postings(), postings().alias("q")
    held_id, wallet_id = enrollment.held_account_id, enrollment.wallet_account_id
    # The wallet is the member's, not the enrollment's: an enrollment that left before day 0 won
    # nothing, whatever the member's next enrollment in the challenge won.
    may_win = has_taken_part(enrollment, session.get(Challenge, enrollment.challenge_id))
    pot_id = _account_id(session, books.pot(enrollment.challenge_id, enrollment.currency).code)
    frozen_id = _account_id(session, books.frozen_deposit(enrollment.id, enrollment.currency).code)

    def touches(account_id, sign):
        condition = and_(q.c.transaction_id == p.c.transaction_id, q.c.account_id == account_id)
        condition = and_(condition, q.c.amount_minor < 0 if sign < 0 else q.c.amount_minor > 0)
        return select(q.c.id).where(condition).exists()

    zero = literal(0, BigInteger)

    def total(condition, amount):
        return func.coalesce(func.sum(case((condition, amount), else_=zero)), 0)

    outflow = and_(p.c.account_id == held_id, p.c.amount_minor > 0)
    pot_pays = touches(pot_id, +1)
    figures = select(
        total(p.c.account_id == held_id, -p.c.amount_minor),
        total(and_(outflow, touches(wallet_id, -1)), p.c.amount_minor),
        total(and_(outflow, touches(pot_id, -1)), p.c.amount_minor),
        # won: what the wallet received where the pot paid out, less the stakes that came back in
        # the same transactions (a winner's wallet gets stake and share in one posting)
        total(
            and_(p.c.account_id == wallet_id, p.c.amount_minor < 0, pot_pays, true() if may_win else false()),
            -p.c.amount_minor,
        )
        - total(and_(outflow, pot_pays), p.c.amount_minor),
        total(p.c.account_id == frozen_id, -p.c.amount_minor),
    ).where(p.c.account_id.in_([a for a in (held_id, wallet_id, frozen_id) if a is not None]))
    held, returned, forfeited, won, frozen = (int(v) for v in session.execute(figures).one())
    return {
        "deposit_minor": enrollment.deposit_minor,
        "held_minor": held,
        "returned_minor": returned,
        "forfeited_minor": forfeited,
        "won_minor": won,
        "frozen_minor": frozen,
        "currency": enrollment.currency,
    }


def enrollment_receipts(
    session: Session, enrollment: Enrollment, *, page: int = 1, per_page: int = 50
) -> dict:
    """The member's receipt for each settled day they took part in, day 0 first.

    ``{items: [{day_index, status, kind, returned_minor, forfeited_minor, won_minor, settled_at}],
    total, page, per_page}``; ``kind`` is what happened to them that day (returned, rest_day,
    excused, missed, eliminated, withdrawn).
    """
    p, t = postings(), transactions()
    ch = enrollment.challenge_id
    # (an enrollment that left before day 0 took part in no day: the member's wallet postings in
    # the challenge's days are their next enrollment's)
    took_part_in_days = has_taken_part(enrollment, session.get(Challenge, ch))
    wallet_lines = and_(
        p.c.account_id == enrollment.wallet_account_id,
        t.c.key.like(books.settle_like(ch)),
        true() if took_part_in_days else false(),
    )
    rows = session.execute(
        select(t.c.key, p.c.account_id, p.c.amount_minor)
        .select_from(t.join(p, p.c.transaction_id == t.c.id))
        .where(t.c.key.like(books.settle_like(ch)))
        .where((p.c.account_id == enrollment.held_account_id) | wallet_lines)
    ).all()
    held: dict[int, Counter] = {}
    wallet: dict[int, Counter] = {}
    for key, account_id, amount in rows:
        parsed = books.parse_key(key)
        suffix = parsed.part
        side, lines = (
            (held, HELD_LINES) if account_id == enrollment.held_account_id else (wallet, WALLET_LINES)
        )
        if suffix in lines:
            side.setdefault(parsed.day_index, Counter())[suffix] += abs(int(amount))
    days = {
        k: _receipt_figures(held.get(k, Counter()), wallet.get(k, Counter())) for k in held.keys() | wallet
    }
    settled = {
        d.day_index: d
        for d in session.scalars(
            select(DaySettlement).where(DaySettlement.challenge_id == ch, DaySettlement.day_index.in_(days))
        )
    }
    items = [
        {
            "day_index": k,
            "status": settled[k].status.value if k in settled else None,
            **days[k],
            "settled_at": settled[k].settled_at if k in settled else None,
        }
        for k in sorted(days)
    ]
    start = (page - 1) * per_page
    return {"items": items[start : start + per_page], "total": len(items), "page": page, "per_page": per_page}


def _receipt_figures(held: Counter, wallet: Counter) -> dict:
    """One day of one enrollment: what happened, and what came back, was forfeited and was won."""
    figures = {"kind": None, "returned_minor": 0, "forfeited_minor": 0, "won_minor": 0}
    for suffix, amount in held.items():
        figures[HELD_LINES[suffix][1]] += amount
    for suffix, amount in wallet.items():
        figures[WALLET_LINES[suffix][1]] += amount
    # the wallet's posting in ``winners`` was the stake and the share together
    figures["won_minor"] -= held[SettleStep.WINNERS]
    outcome = next((suffix for suffix in OUTCOME_ORDER if held[suffix]), None)
    figures["kind"] = HELD_LINES[outcome][0] if outcome else None
    return figures


def winner_parts(session: Session, member_id: int, keys: list[str]) -> dict[str, tuple[int, int]]:
    """``{key: (stake, share)}``: the member's one wallet posting in each of these days' ``winners``
    transactions, split as receipts and statements split it: the stake is what left their held
    deposit in the same transaction, the share the rest. Keys of other kinds are left out."""
    winners = [key for key in keys if books.parse_key(key).move == (books.KeyKind.SETTLE, SettleStep.WINNERS)]
    if not winners:
        return {}
    t, e = transactions(), Enrollment.__table__
    stake, paid = postings().alias("stake"), postings().alias("paid")
    rows = session.execute(
        select(t.c.key, stake.c.amount_minor, -paid.c.amount_minor)
        .select_from(
            t.join(stake, stake.c.transaction_id == t.c.id)
            .join(e, e.c.held_account_id == stake.c.account_id)
            .join(paid, and_(paid.c.transaction_id == t.c.id, paid.c.account_id == e.c.wallet_account_id))
        )
        .where(t.c.key.in_(winners), e.c.member_id == member_id)
    ).all()
    return {key: (int(back), int(received) - int(back)) for key, back, received in rows}


def _winner_ranks(challenge_id: int, day_index: int):
    """The day's winners in SPEC order (check-in instant, then enrollment id), numbered from 1.

    The winners are the enrollments whose stake came back as a success (``winners``); their
    check-ins cannot change once the day is due, so this order is the one the split used.
    """
    p, t, e, c = postings(), transactions(), Enrollment.__table__, CheckIn.__table__
    winners = (
        select(
            e.c.id.label("enrollment_id"),
            func.row_number().over(order_by=(c.c.checked_in_at, e.c.id)).label("rank"),
        )
        .select_from(
            t.join(p, p.c.transaction_id == t.c.id)
            .join(e, e.c.held_account_id == p.c.account_id)
            .join(c, and_(c.c.enrollment_id == e.c.id, c.c.day_index == day_index))
        )
        .where(t.c.key == books.settle_key(challenge_id, day_index, SettleStep.WINNERS))
    )
    return winners.subquery("winner_ranks")


def _line(enrollment_id: int, kind: str, amount: int, rank: int | None) -> dict:
    line = {"enrollment_id": enrollment_id, "kind": kind, "amount_minor": int(amount)}
    if rank is not None:
        line["winner_rank"] = int(rank)
    return line


def _by_key(t, key_of, lines: dict, value):
    """A CASE over the day's keys: ``value(kind)`` for the key of each step in ``lines``."""
    return case(*((t.c.key == key_of(step), value(kind)) for step, (kind, _) in lines.items()))


def day_statement(
    session: Session,
    challenge_id: int,
    day_index: int,
    *,
    page: int = 1,
    per_page: int = 100,
    first: int | None = None,
) -> dict:
    """A settled day's statement: its figures and one page of lines read from the ledger.

    Raises NotFound until the day is settled. Lines are ordered by enrollment id, then by what
    happened (stake first, winnings after), and paginated so a day of a million is readable;
    the lines of enrollment ``first`` (the reader's own) come before all others.
    """
    day = session.scalars(
        select(DaySettlement).where(
            DaySettlement.challenge_id == challenge_id, DaySettlement.day_index == day_index
        )
    ).first()
    if day is None:
        raise NotFound(f"Day {day_index} of this challenge is not settled yet.")
    challenge = session.get(Challenge, challenge_id)
    p, t, e = postings(), transactions(), Enrollment.__table__
    key_of = partial(books.settle_key, challenge_id, day_index)
    held_lines = (
        select(
            e.c.id.label("enrollment_id"),
            _by_key(t, key_of, HELD_LINES, literal).label("kind"),
            _by_key(t, key_of, HELD_LINES, LINE_ORDER.index).label("position"),
            p.c.amount_minor.label("amount"),
            null().label("rank"),
        )
        .select_from(t.join(p, p.c.transaction_id == t.c.id).join(e, e.c.held_account_id == p.c.account_id))
        .where(t.c.key.in_([key_of(step) for step in HELD_LINES]))
    )
    # A winner's wallet got its stake and its share in one posting; the share is that posting
    # less the stake its held deposit gave back in the same transaction.
    stake = postings().alias("stake")
    ranks = _winner_ranks(challenge_id, day_index)
    won = -p.c.amount_minor - func.coalesce(stake.c.amount_minor, 0)
    won_lines = (
        select(
            e.c.id,
            _by_key(t, key_of, WALLET_LINES, literal),
            _by_key(t, key_of, WALLET_LINES, LINE_ORDER.index),
            won,
            ranks.c.rank,
        )
        .select_from(
            t.join(p, p.c.transaction_id == t.c.id)
            # the member's one enrollment that took part (one who left before day 0 and joined
            # again has an earlier one, with the same wallet)
            .join(e, and_(e.c.wallet_account_id == p.c.account_id, took_part(challenge, e.c)))
            .outerjoin(
                stake, and_(stake.c.transaction_id == t.c.id, stake.c.account_id == e.c.held_account_id)
            )
            .outerjoin(ranks, ranks.c.enrollment_id == e.c.id)
        )
        .where(t.c.key.in_([key_of(step) for step in WALLET_LINES]), won > 0)
    )
    lines = union_all(held_lines, won_lines).subquery("lines")
    total = session.scalar(select(func.count()).select_from(lines))
    page_rows = session.execute(
        select(lines.c.enrollment_id, lines.c.kind, lines.c.amount, lines.c.rank)
        .order_by(case((lines.c.enrollment_id == first, 0), else_=1), lines.c.enrollment_id, lines.c.position)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    body = {
        "challenge_id": challenge_id,
        "day_index": day_index,
        "status": day.status.value,
        "excuse_reason": day.excuse_reason,
        "currency": day.currency,
        "stake_minor": day.stake_minor,
        "carried_in_minor": day.carried_in_minor,
        "forfeited_minor": day.forfeited_minor,
        "pot_minor": day.pot_minor,
        "fee_minor": day.fee_minor,
        "split_minor": day.split_minor,
        "carried_minor": day.carried_minor,
        "final_split_minor": day.final_split_minor,
        "unclaimed_minor": day.unclaimed_minor,
        "returned_minor": day.returned_minor,
        "split": day.split.value,
        "winners": day.winners,
        "settled_at": day.settled_at,
        "last_day": challenge is not None and day_index == challenge.days - 1,
        "lines": [_line(*row) for row in page_rows],
        "total": total,
        "page": page,
        "per_page": per_page,
    }
    if day.seed is not None:
        body["seed"] = day.seed
    return body
