"""What the ledger says about a member's money and a day's settlement: receipts and statements.

Every figure here is read from the ledger's postings (never from a cached copy that can drift):

- an enrollment's money (``enrollment_money``): held = its held account's balance; returned =
  what left the held deposit in transactions that paid its member's wallet; forfeited = what left
  it in transactions that fed the challenge's pot; won = what the member's wallet received in
  transactions that paid out of the pot; frozen = its dispute account's balance;
- a member's per-day receipts (``enrollment_receipts``) and a day's statement lines
  (``day_statement``) are the postings of the day's settlement transactions, whose keys say what
  they are (``settle:{challenge}:{day}:{what}``, see ``habits.services.settlement``).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, and_, case, func, literal, null, select, union_all
from sqlalchemy.orm import Session

import ledger
from habits import accounts
from habits.models import Challenge, CheckIn, Enrollment
from habits.models.settlement import DaySettlement
from habits.services.errors import NotFound
from habits.services.settlement_sql import postings, transactions

#: settlement key suffix -> (statement line kind, which figure of a receipt it adds to)
LINE_KINDS = {
    "returns": ("returned", "returned_minor"),
    "rest": ("rest_day", "returned_minor"),
    "excused": ("excused", "returned_minor"),
    "misses": ("missed", "forfeited_minor"),
    "eliminations": ("eliminated", "forfeited_minor"),
    "quits": ("withdrawn", "forfeited_minor"),
    "leftovers": ("leftover", "returned_minor"),
    "split": ("won", "won_minor"),
    "final-split": ("final_share", "won_minor"),
}
HELD_SUFFIXES = ("returns", "rest", "excused", "misses", "eliminations", "quits", "leftovers")
WALLET_SUFFIXES = ("split", "final-split")
#: a day's outcome for the member, by the first of these suffixes their held deposit shows
OUTCOME_ORDER = ("quits", "eliminations", "misses", "excused", "rest", "returns")


def _account_id(session: Session, code: str) -> int | None:
    return session.scalar(select(ledger.Account.id).where(ledger.Account.code == code))


def enrollment_money(session: Session, enrollment: Enrollment) -> dict:
    """``{deposit_minor, held_minor, returned_minor, forfeited_minor, won_minor, frozen_minor,
    currency}`` for one enrollment, from the ledger."""
    p, q = postings(), postings().alias("q")
    held_id, wallet_id = enrollment.held_account_id, enrollment.wallet_account_id
    pot_id = _account_id(session, accounts.pot(enrollment.challenge_id, enrollment.currency).code)
    frozen_id = _account_id(session, accounts.frozen_deposit(enrollment.id, enrollment.currency).code)

    def touches(account_id, sign):
        condition = and_(q.c.transaction_id == p.c.transaction_id, q.c.account_id == account_id)
        condition = and_(condition, q.c.amount_minor < 0 if sign < 0 else q.c.amount_minor > 0)
        return select(q.c.id).where(condition).exists()

    zero = literal(0, BigInteger)
    outflow = and_(p.c.account_id == held_id, p.c.amount_minor > 0)
    figures = select(
        func.coalesce(-func.sum(case((p.c.account_id == held_id, p.c.amount_minor), else_=zero)), 0),
        func.coalesce(
            func.sum(case((and_(outflow, touches(wallet_id, -1)), p.c.amount_minor), else_=zero)), 0
        ),
        func.coalesce(func.sum(case((and_(outflow, touches(pot_id, -1)), p.c.amount_minor), else_=zero)), 0),
        func.coalesce(
            -func.sum(
                case(
                    (
                        and_(p.c.account_id == wallet_id, p.c.amount_minor < 0, touches(pot_id, +1)),
                        p.c.amount_minor,
                    ),
                    else_=zero,
                )
            ),
            0,
        ),
        func.coalesce(-func.sum(case((p.c.account_id == frozen_id, p.c.amount_minor), else_=zero)), 0),
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


def _key_prefix(challenge_id: int, day_index: int | None = None) -> str:
    return f"settle:{challenge_id}:" if day_index is None else f"settle:{challenge_id}:{day_index}:"


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
    wallet_lines = and_(
        p.c.account_id == enrollment.wallet_account_id,
        t.c.key.like(_key_prefix(ch) + "%"),
    )
    rows = session.execute(
        select(t.c.key, p.c.account_id, p.c.amount_minor)
        .select_from(t.join(p, p.c.transaction_id == t.c.id))
        .where(t.c.key.like(_key_prefix(ch) + "%"))
        .where((p.c.account_id == enrollment.held_account_id) | wallet_lines)
    ).all()
    days: dict[int, dict] = {}
    for key, account_id, amount in rows:
        _, _, day_text, suffix = key.split(":", 3)
        if suffix not in LINE_KINDS:
            continue
        is_held = account_id == enrollment.held_account_id
        if is_held != (suffix in HELD_SUFFIXES):
            continue
        day = days.setdefault(
            int(day_text),
            {"returned_minor": 0, "forfeited_minor": 0, "won_minor": 0, "suffixes": set()},
        )
        day[LINE_KINDS[suffix][1]] += abs(int(amount))
        day["suffixes"].add(suffix)
    settled = {
        d.day_index: d
        for d in session.scalars(
            select(DaySettlement).where(DaySettlement.challenge_id == ch, DaySettlement.day_index.in_(days))
        )
    }
    items = []
    for k in sorted(days):
        day = days[k]
        outcome = next((s for s in OUTCOME_ORDER if s in day["suffixes"]), None)
        items.append(
            {
                "day_index": k,
                "status": settled[k].status.value if k in settled else None,
                "kind": LINE_KINDS[outcome][0] if outcome else None,
                "returned_minor": day["returned_minor"],
                "forfeited_minor": day["forfeited_minor"],
                "won_minor": day["won_minor"],
                "settled_at": settled[k].settled_at if k in settled else None,
            }
        )
    start = (page - 1) * per_page
    return {"items": items[start : start + per_page], "total": len(items), "page": page, "per_page": per_page}


def _winner_ranks(challenge_id: int, day_index: int):
    """The day's winners in SPEC order (check-in instant, then enrollment id), numbered from 1.

    The winners are the enrollments whose stake came back as a success (``returns``); their
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
        .where(t.c.key == f"{_key_prefix(challenge_id, day_index)}returns")
    )
    return winners.subquery("winner_ranks")


def _line(enrollment_id: int, key: str, amount: int, rank: int | None) -> dict:
    line = {
        "enrollment_id": enrollment_id,
        "kind": LINE_KINDS[key.rsplit(":", 1)[1]][0],
        "amount_minor": int(amount),
    }
    if rank is not None:
        line["winner_rank"] = int(rank)
    return line


def day_statement(
    session: Session, challenge_id: int, day_index: int, *, page: int = 1, per_page: int = 100
) -> dict:
    """A settled day's statement: its figures and one page of lines read from the ledger.

    Raises NotFound until the day is settled. Lines are ordered by enrollment id, then by what
    happened (stake first, winnings after), and paginated so a day of a million is readable.
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
    prefix = _key_prefix(challenge_id, day_index)
    order = case(
        *((t.c.key == prefix + suffix, position) for position, suffix in enumerate(LINE_KINDS)),
        else_=len(LINE_KINDS),
    )
    held_lines = (
        select(
            e.c.id.label("enrollment_id"),
            t.c.key,
            order.label("position"),
            p.c.amount_minor.label("amount"),
            null().label("rank"),
        )
        .select_from(t.join(p, p.c.transaction_id == t.c.id).join(e, e.c.held_account_id == p.c.account_id))
        .where(t.c.key.in_([prefix + s for s in HELD_SUFFIXES]))
    )
    ranks = _winner_ranks(challenge_id, day_index)
    won_lines = (
        select(e.c.id, t.c.key, order, -p.c.amount_minor, ranks.c.rank)
        .select_from(
            t.join(p, p.c.transaction_id == t.c.id)
            .join(e, and_(e.c.wallet_account_id == p.c.account_id, e.c.challenge_id == challenge_id))
            .outerjoin(ranks, ranks.c.enrollment_id == e.c.id)
        )
        .where(t.c.key.in_([prefix + s for s in WALLET_SUFFIXES]))
    )
    lines = union_all(held_lines, won_lines).subquery("lines")
    total = session.scalar(select(func.count()).select_from(lines))
    page_rows = session.execute(
        select(lines.c.enrollment_id, lines.c.key, lines.c.amount, lines.c.rank)
        .order_by(lines.c.enrollment_id, lines.c.position)
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
        "lines": [_line(eid, key, amount, rank) for eid, key, amount, rank in page_rows],
        "total": total,
        "page": page,
        "per_page": per_page,
    }
    if day.seed is not None:
        body["seed"] = day.seed
    return body
