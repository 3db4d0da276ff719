"""The habits-level invariants of SPEC.md, run by ``flask ledger verify`` next to the ledger's own.

SPEC, "The ledger":

    - for each enrollment: deposit paid = returned + forfeited + still held (+ frozen);
    - for each settled day: forfeits in = fee + split out + carried;

Each check is one aggregate SQL statement over the postings (memory stays flat however large the
books are) and reports at most ``LIMIT`` violations. They recompute from the ledger and compare
with what the habits tables claim (enrollment status, day_settlements figures), so a settlement
row that drifted from its postings is found too.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

import ledger
from habits import books
from habits.books import SettleStep
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Challenge, ChallengeStatus, Enrollment
from habits.models.settlement import DaySettlement
from habits.services.payout_checks import check_payouts
from habits.services.processor_cash import check_processor_cash
from ledger.invariants import Violation
from ledger.tables import postings, transactions

LIMIT = 100
S = EnrollmentStatus
#: statuses in which an enrollment can hold no deposit any more
ENDED = (S.COMPLETED, S.ELIMINATED, S.CANCELLED)


def check_enrollment_conservation(session: Session) -> list[Violation]:
    """deposit paid = returned + forfeited + still held + frozen, for every enrollment.

    Each posting on a held deposit is classified by the other side of its transaction: the
    deposit itself (its ``books.deposit_key``), returned (the member's own wallet was paid), forfeited
    (the challenge's pot was fed), frozen or unfrozen (the enrollment's dispute account). A
    posting that is none of these is money leaving a deposit for somewhere it must not go, and
    breaks the equation. Also: a paid deposit is the enrollment's deposit, no held deposit is
    negative, and an enrollment that ended (completed, eliminated, cancelled, a settled quit)
    holds nothing.
    """
    e = Enrollment.__table__
    p, t = postings(), transactions()
    q = postings().alias("q")
    pot = aliased(ledger.Account, name="pot_account")
    frozen = aliased(ledger.Account, name="frozen_account")
    zero = literal(0, BigInteger)

    def other_side(account_id, sign: int):
        side = q.c.amount_minor < 0 if sign < 0 else q.c.amount_minor > 0
        return (
            select(q.c.id)
            .where(q.c.transaction_id == p.c.transaction_id, q.c.account_id == account_id, side)
            .exists()
        )

    is_deposit = t.c.key == books.deposit_key_sql(e.c.id)
    out = p.c.amount_minor > 0
    returned = and_(out, other_side(e.c.wallet_account_id, -1))
    forfeited = and_(out, other_side(pot.id, -1))
    frozen_move = (
        select(q.c.id).where(q.c.transaction_id == p.c.transaction_id, q.c.account_id == frozen.id).exists()
    )
    paid = func.sum(case((is_deposit, -p.c.amount_minor), else_=zero)).label("paid")
    returned_sum = func.sum(case((returned, p.c.amount_minor), else_=zero)).label("returned")
    forfeited_sum = func.sum(case((forfeited, p.c.amount_minor), else_=zero)).label("forfeited")
    frozen_sum = func.sum(case((and_(frozen_move, ~is_deposit), p.c.amount_minor), else_=zero)).label(
        "frozen"
    )
    held = (-func.sum(p.c.amount_minor)).label("held")
    ended = or_(e.c.status.in_(ENDED), and_(e.c.status == S.WITHDRAWN, e.c.ended_day_index.is_not(None)))
    rows = session.execute(
        select(e.c.id, e.c.deposit_minor, e.c.status, paid, returned_sum, forfeited_sum, frozen_sum, held)
        .select_from(
            e.join(p, p.c.account_id == e.c.held_account_id)
            .join(t, t.c.id == p.c.transaction_id)
            .outerjoin(pot, pot.code == books.pot_code_sql(e.c.challenge_id))
            .outerjoin(frozen, frozen.code == books.frozen_code_sql(e.c.id))
        )
        .group_by(e.c.id, e.c.deposit_minor, e.c.status, e.c.ended_day_index)
        .having(
            or_(
                paid != returned_sum + forfeited_sum + held + frozen_sum,
                held < 0,
                and_(paid != 0, paid != e.c.deposit_minor),
                and_(ended, held != 0),
            )
        )
        .order_by(e.c.id)
        .limit(LIMIT)
    ).all()
    return [
        Violation(
            "enrollment_conservation",
            f"enrollment {eid} ({status}): deposit {deposit}, paid {paid_} != returned {ret}"
            f" + forfeited {forf} + held {held_} + frozen {frz} (or it ended and still holds money)",
            f"enrollment:{eid}",
        )
        for eid, deposit, status, paid_, ret, forf, frz, held_ in rows
    ]


def check_day_settlements(session: Session) -> list[Violation]:
    """For each settled day: forfeits in (+ the carry in) = fee + split out + carried (+ last pot).

    The figures of each ``day_settlements`` row are recomputed from the pot's postings in that
    day's settlement transactions (``books.settle_key``), and each day's carry in must be
    the previous day's carry out.
    """
    d = DaySettlement.__table__
    p, t = postings(), transactions()
    pot = aliased(ledger.Account, name="pot_account")
    fee = aliased(ledger.Account, name="fee_account")
    prev = d.alias("prev")
    zero = literal(0, BigInteger)

    def on_pot(*steps, sign: int):
        keys = [books.settle_key_sql(d.c.challenge_id, d.c.day_index, step) for step in steps]
        cond = and_(p.c.account_id == pot.id, t.c.key.in_(keys))
        return func.sum(case((cond, sign * p.c.amount_minor), else_=zero))

    forfeits = (SettleStep.MISSES, SettleStep.ELIMINATIONS, SettleStep.QUITS)
    forfeits_in = on_pot(*forfeits, sign=-1).label("forfeits_in")
    split_out = on_pot(SettleStep.WINNERS, sign=+1).label("split_out")
    final_out = on_pot(SettleStep.FINAL_SPLIT, SettleStep.UNCLAIMED, sign=+1).label("final_out")
    winners_key = books.settle_key_sql(d.c.challenge_id, d.c.day_index, SettleStep.WINNERS)
    fee_in = func.sum(
        case((and_(p.c.account_id == fee.id, t.c.key == winners_key), -p.c.amount_minor), else_=zero)
    ).label("fee_in")
    ledger_rows = (
        select(d.c.id.label("day_id"), forfeits_in, split_out, final_out, fee_in)
        .select_from(
            d.join(pot, pot.code == books.pot_code_sql(d.c.challenge_id))
            .outerjoin(fee, fee.code == books.fee_code_sql(d.c.currency))
            .join(t, t.c.key.like(books.settle_like_sql(d.c.challenge_id, d.c.day_index)))
            .join(p, p.c.transaction_id == t.c.id)
        )
        .group_by(d.c.id)
        .subquery("from_ledger")
    )
    lg = ledger_rows.c
    f = {name: func.coalesce(col, 0) for name, col in lg.items()}
    carried_in_expected = func.coalesce(prev.c.carried_minor, 0)
    rows = session.execute(
        select(d, f["forfeits_in"], f["split_out"], f["final_out"], f["fee_in"], carried_in_expected)
        .select_from(
            d.outerjoin(ledger_rows, lg.day_id == d.c.id).outerjoin(
                prev, and_(prev.c.challenge_id == d.c.challenge_id, prev.c.day_index == d.c.day_index - 1)
            )
        )
        .where(
            or_(
                f["forfeits_in"] != d.c.forfeited_minor,
                f["split_out"] != d.c.fee_minor + d.c.split_minor,
                f["fee_in"] != d.c.fee_minor,
                f["final_out"] != d.c.final_split_minor + d.c.unclaimed_minor,
                d.c.carried_in_minor != carried_in_expected,
                d.c.carried_in_minor + d.c.forfeited_minor != d.c.pot_minor,
                d.c.pot_minor
                != d.c.fee_minor
                + d.c.split_minor
                + d.c.carried_minor
                + d.c.final_split_minor
                + d.c.unclaimed_minor,
            )
        )
        .order_by(d.c.challenge_id, d.c.day_index)
        .limit(LIMIT)
    ).all()
    violations = []
    for row in rows:
        m = row._asdict()
        violations.append(
            Violation(
                "day_settlement",
                f"challenge {m['challenge_id']} day {m['day_index']}: carried in {m['carried_in_minor']}"
                f" (previous day carried {row[-1]}) + forfeits {m['forfeited_minor']} (ledger {row[-5]})"
                f" != fee {m['fee_minor']} (ledger {row[-2]}) + split {m['split_minor']}"
                f" (ledger pot out {row[-4]}) + carried {m['carried_minor']}"
                f" + last pot {m['final_split_minor'] + m['unclaimed_minor']} (ledger {row[-3]})",
                f"day_settlement:{m['challenge_id']}:{m['day_index']}",
            )
        )
    return violations


def check_pots(session: Session) -> list[Violation]:
    """A challenge's pot holds exactly what its last settled day carried (nothing once completed)."""
    c, d = Challenge.__table__, DaySettlement.__table__
    p = postings()
    pot = aliased(ledger.Account, name="pot_account")
    balance = (
        select(func.coalesce(-func.sum(p.c.amount_minor), 0))
        .where(p.c.account_id == pot.id)
        .scalar_subquery()
    )
    last_carry = (
        select(d.c.carried_minor)
        .where(d.c.challenge_id == c.c.id, d.c.day_index == c.c.settled_days - 1)
        .scalar_subquery()
    )
    expected = case((c.c.status == ChallengeStatus.COMPLETED, 0), else_=func.coalesce(last_carry, 0))
    rows = session.execute(
        select(c.c.id, balance, expected)
        .select_from(c.join(pot, pot.code == books.pot_code_sql(c.c.id)))
        .where(balance != expected)
        .order_by(c.c.id)
        .limit(LIMIT)
    ).all()
    return [
        Violation(
            "pot_carry",
            f"challenge {cid}: pot holds {bal}, its last settled day carried {exp}",
            f"challenge:{cid}",
        )
        for cid, bal, exp in rows
    ]


#: the checks ``flask ledger verify`` runs after the ledger's own (payments may append one line)
HABITS_CHECKS = [
    check_enrollment_conservation,
    check_day_settlements,
    check_pots,
    check_processor_cash,
    check_payouts,
]
