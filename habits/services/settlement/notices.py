"""What a settled day tells its members, set-based, in the day's own transaction.

One notification per enrollment that took part (quitters excepted: they left), and the warnings
of a last chance, written by ONE INSERT ... SELECT from the day's outcomes table while it still
exists: a day of a hundred thousand enrollments adds one statement, not a hundred thousand
objects, nor a join (the outcomes carry each member's id and misses; bench/settle_notices.py).
The amounts are the expressions the day's ledger transactions move (``DayWork.winner_share``,
``final_shares``, ``leftover``), never a second computation of them:

- ``day_won`` / ``day_rested`` / ``day_excused``: the stake back, and for winners their share;
- ``day_missed``: the stake that went to the pot; ``eliminated``: all that was left of it;
- on the last day every finisher gets ``challenge_finished`` (stake and leftovers back, share of
  the day and of the last pot) instead;
- ``last_chance`` besides, for a miss after which the next one eliminates;
- the day's badges ride on each notice (param ``badges``, null when none: ``badges.earned_on``),
  and members who earned some but get no notice of the day have a badge notification of their own.

Each is exactly once because the day is (its ``day_settlements`` row is unique, in the same
transaction); the dedupe keys (``settled:{enrollment}:{day}``, ``last_chance:{enrollment}:{day}``)
hold it too: a second insert of one would fail the day rather than tell it twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from habits.models import Challenge
from habits.services import badges
from habits.services.notifications import notify_from_select, sql
from habits.services.settlement import outcomes as o

#: each outcome's notification on a day that is not the last
DAY_KINDS = {
    o.SUCCESS: "day_won",
    o.REST: "day_rested",
    o.EXCUSED: "day_excused",
    o.MISSED: "day_missed",
    o.ELIMINATED: "eliminated",
}
FINISHED = "challenge_finished"
LAST_CHANCE = "last_chance"


def tell_members(
    session: Session,
    work: o.DayWork,
    challenge: Challenge,
    *,
    prize: int,
    random: bool,
    final_split: int,
    now: datetime,
) -> None:
    """Record each member's notice of the day (after its movements and enrollment updates, before
    its outcomes table is dropped). ``prize``: what the winners shared; ``random``: the split
    was the random one; ``final_split``: the last pot shared among the finishers."""
    out = o.OUTCOMES
    k, last_day = work.k, work.last_day
    share, source = work.winner_share(prize, random=random)
    won = case((out.c.kind == o.SUCCESS, share), else_=0)
    stake_back = case((out.c.kind.in_((o.SUCCESS, o.REST, o.EXCUSED)), out.c.amount), else_=0)
    forfeited = case((out.c.kind.in_((o.MISSED, o.ELIMINATED)), out.c.amount), else_=0)
    if last_day:
        left = work.leftover()
        stake_back = stake_back + case((and_(work.finishers(), left > 0), left), else_=0)
        kind = case((out.c.kind == o.ELIMINATED, literal(DAY_KINDS[o.ELIMINATED])), else_=literal(FINISHED))
        if final_split:
            shares = work.final_shares(final_split)
            source = source.outerjoin(shares, shares.c.enrollment_id == out.c.enrollment_id)
            won = won + func.coalesce(shares.c.share, 0)
    else:
        kind = case(*((out.c.kind == outcome, literal(name)) for outcome, name in DAY_KINDS.items()))
    day = {"challenge_id": challenge.id, "challenge": challenge.title, "day_index": k}
    # the day's badges ride on the member's notice of the day (param ``badges``)
    earned = badges.earned_on(session, challenge.id, k, now=now)
    source = source.outerjoin(earned, earned.c.member_id == out.c.member_id)
    rows = (
        select(
            out.c.member_id.label("recipient_id"),
            kind.label("kind"),
            sql.text_key("settled", out.c.enrollment_id, k).label("dedupe_key"),
            sql.json_object(
                session,
                **day,
                currency=challenge.currency,
                returned_minor=stake_back,
                won_minor=won,
                forfeited_minor=forfeited,
                badges=earned.c.names,
            ).label("params"),
        )
        .select_from(source)
        .where(out.c.kind != o.WITHDRAWN)
    )
    told = select(out.c.member_id).where(out.c.kind != o.WITHDRAWN)
    parts = [rows, badges.notices(session, challenge, k, earned, told=told)]
    kinds = {DAY_KINDS[o.ELIMINATED], FINISHED} if last_day else set(DAY_KINDS.values())
    kinds |= badges.NOTICE_KINDS
    if not last_day:
        # a miss after which the next one eliminates (misses are the day's before this one)
        warned = select(
            out.c.member_id,
            literal(LAST_CHANCE),
            sql.text_key(LAST_CHANCE, out.c.enrollment_id, k),
            sql.json_object(session, **day),
        ).where(out.c.kind == o.MISSED, out.c.misses + 1 == challenge.max_misses)
        parts.append(warned)
        kinds.add(LAST_CHANCE)
    # the day is settled once (its day_settlements row is unique): so are its notices
    notify_from_select(session, union_all(*parts), kinds=kinds, now=now, once_by_caller=True)
