"""One day's outcomes, set-based, and the ledger legs they make.

A day is settled from a temporary table, ``settle_outcomes``: one row per enrollment that takes
part in the day, with its outcome (``kind``), the amount that leaves its held deposit, and, for
winners, its rank in SPEC order (check-in instant, then enrollment id). It is filled by ONE
INSERT ... SELECT over enrollments, check-ins and rest days; every ledger transaction of the day
is then an INSERT ... SELECT from it (``ledger.post_from_select``) and every status change one
UPDATE ... WHERE id IN (SELECT ... FROM it). The table lives inside the day's transaction and is
dropped at its end, so it never outlives the day (and a rollback takes it away too).

Everything here is SQLAlchemy Core that runs on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    MetaData,
    String,
    Table,
    and_,
    case,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from habits.domain.lifecycle import EnrollmentStatus
from habits.domain_sql import split as split_sql
from habits.models import CheckIn, Enrollment, RestDay
from ledger import tables
from ledger.base import UTCDateTime

S = EnrollmentStatus

# Outcomes of one enrollment on one day (the ``kind`` column).
SUCCESS = "success"
REST = "rest"
EXCUSED = "excused"
MISSED = "missed"
ELIMINATED = "eliminated"
WITHDRAWN = "withdrawn"

_scratch = MetaData()
OUTCOMES = Table(
    "settle_outcomes",
    _scratch,
    Column("enrollment_id", BigInteger, primary_key=True),
    #: whose enrollment, and the misses it had before the day (the members' notices read them)
    Column("member_id", BigInteger),
    Column("misses", BigInteger),
    Column("held_account_id", BigInteger),
    Column("wallet_account_id", BigInteger),
    Column("kind", String(16), nullable=False),
    #: what leaves the held deposit today: s_k, or the whole balance when eliminated or quitting
    Column("amount", BigInteger, nullable=False),
    #: the held balance before the day (only filled where needed: eliminations, quits, last day)
    Column("held_minor", BigInteger),
    Column("checked_in_at", UTCDateTime()),
    #: winners only: 1-based position in SPEC order (check-in instant, then enrollment id)
    Column("win_rank", BigInteger),
    prefixes=["TEMPORARY"],
)
#: the random split's shares by winner rank (computed in Python from the seed, bulk-inserted)
SHARES = Table(
    "settle_shares",
    _scratch,
    Column("win_rank", BigInteger, primary_key=True),
    Column("share", BigInteger, nullable=False),
    prefixes=["TEMPORARY"],
)


def union_legs(*selects):
    """The union of (account_id, amount_minor) selects, as one Select the ledger can insert from."""
    rows = union_all(*selects).subquery("legs")
    return select(rows.c.account_id, rows.c.amount_minor)


def pot_to_account_legs(pot_id: int, account_id: int, amount: int):
    return union_legs(
        select(
            literal(pot_id, BigInteger).label("account_id"), literal(amount, BigInteger).label("amount_minor")
        ),
        select(literal(account_id, BigInteger), literal(-amount, BigInteger)),
    )


# --- one day -----------------------------------------------------------------------------------


@dataclass
class DayStats:
    counts: dict[str, int]
    amounts: dict[str, int]
    missing_accounts: int

    def count(self, kind: str) -> int:
        return self.counts.get(kind, 0)

    def amount(self, kind: str) -> int:
        return self.amounts.get(kind, 0)


class DayWork:
    """The outcomes of one (challenge, day), in a temporary table for the day's transaction."""

    def __init__(self, session: Session, challenge, k: int, *, stake: int, excused: bool, last_day: bool):
        self.session = session
        self.challenge = challenge
        self.k = k
        self.stake = stake
        self.excused = excused
        self.last_day = last_day
        self.o = OUTCOMES

    # -- building --

    def build(self) -> None:
        """Create and fill ``settle_outcomes``: who takes part today, and what happened to them."""
        bind = self.session.connection()
        for table in (SHARES, OUTCOMES):
            table.drop(bind, checkfirst=True)
            table.create(bind)
        e, c, r = Enrollment.__table__, CheckIn.__table__, RestDay.__table__
        ch = self.challenge
        valid_checkin = and_(
            c.c.enrollment_id == e.c.id,
            c.c.day_index == self.k,
            c.c.voided_at.is_(None),
            c.c.counts_for_money.is_(True),
        )
        rest = and_(r.c.enrollment_id == e.c.id, r.c.day_index == self.k)
        if self.excused:
            # SPEC: on an excused day every active enrollment is treated as on a rest day.
            kind = case((e.c.status == S.WITHDRAWN, literal(WITHDRAWN)), else_=literal(EXCUSED))
        else:
            kind = case(
                (e.c.status == S.WITHDRAWN, literal(WITHDRAWN)),
                (r.c.id.is_not(None), literal(REST)),
                (c.c.id.is_not(None), literal(SUCCESS)),
                # misses + 1 > max_misses: this miss eliminates
                (e.c.misses >= ch.max_misses, literal(ELIMINATED)),
                else_=literal(MISSED),
            )
        kind = kind.label("kind")
        quitter = and_(
            e.c.status == S.WITHDRAWN,
            e.c.ended_day_index.is_(None),
            e.c.withdrew_at >= ch.day_zero_opens_at,
        )
        base = (
            select(
                e.c.id.label("enrollment_id"),
                e.c.member_id,
                e.c.misses,
                e.c.held_account_id,
                e.c.wallet_account_id,
                kind,
                c.c.checked_in_at,
            )
            .select_from(e.outerjoin(c, valid_checkin).outerjoin(r, rest))
            .where(e.c.challenge_id == ch.id, or_(e.c.status == S.ACTIVE, quitter))
            .subquery("base")
        )
        is_winner = base.c.kind == SUCCESS
        rank = split_sql.winner_rank(
            checked_in_at=base.c.checked_in_at, enrollment_id=base.c.enrollment_id, partition_by=is_winner
        )
        rows = select(
            base.c.enrollment_id,
            base.c.member_id,
            base.c.misses,
            base.c.held_account_id,
            base.c.wallet_account_id,
            base.c.kind,
            literal(self.stake, BigInteger),
            base.c.checked_in_at,
            case((is_winner, rank), else_=null()),
        )
        self.session.execute(
            insert(OUTCOMES).from_select(
                [
                    "enrollment_id",
                    "member_id",
                    "misses",
                    "held_account_id",
                    "wallet_account_id",
                    "kind",
                    "amount",
                    "checked_in_at",
                    "win_rank",
                ],
                rows,
            )  # fmt: skip
        )
        # Eliminations and quits forfeit the whole remaining held deposit; on the last day every
        # enrollment's balance is needed to give back what is left (days skipped while suspended).
        o = OUTCOMES
        fill = update(o).values(held_minor=tables.balance_sql(o.c.held_account_id))
        if not self.last_day:
            fill = fill.where(o.c.kind.in_((ELIMINATED, WITHDRAWN)))
        self.session.execute(fill)
        self.session.execute(
            update(o).where(o.c.kind.in_((ELIMINATED, WITHDRAWN))).values(amount=o.c.held_minor)
        )

    def drop(self) -> None:
        bind = self.session.connection()
        for table in (SHARES, OUTCOMES):
            table.drop(bind, checkfirst=True)

    def stats(self) -> DayStats:
        o = self.o
        rows = self.session.execute(
            select(
                o.c.kind,
                func.count(),
                func.coalesce(func.sum(o.c.amount), 0),
                func.sum(
                    case((or_(o.c.held_account_id.is_(None), o.c.wallet_account_id.is_(None)), 1), else_=0)
                ),
            ).group_by(o.c.kind)
        ).all()
        return DayStats(
            counts={kind: int(n) for kind, n, _, _ in rows},
            amounts={kind: int(amount) for kind, _, amount, _ in rows},
            missing_accounts=sum(int(missing or 0) for *_, missing in rows),
        )

    # -- ledger legs --

    def to_wallet_legs(self, kind: str):
        o = self.o
        where = (o.c.kind == kind, o.c.amount > 0)
        return union_legs(
            select(o.c.held_account_id.label("account_id"), o.c.amount.label("amount_minor")).where(*where),
            select(o.c.wallet_account_id, -o.c.amount).where(*where),
        )

    def to_pot_legs(self, kind: str, pot_id: int):
        o = self.o
        where = (o.c.kind == kind, o.c.amount > 0)
        return union_legs(
            select(o.c.held_account_id.label("account_id"), o.c.amount.label("amount_minor")).where(*where),
            select(literal(pot_id, BigInteger), -func.sum(o.c.amount)).where(*where),
        )

    def winner_legs(
        self, pot_id: int, fee_id: int | None, pot_minor: int, fee_minor: int, prize: int, *, random: bool
    ):
        """The winners' transaction: each winner's stake leaves its held deposit, and its wallet
        receives the stake plus its share of the prize; the pot pays the prize and the fee.

        The split is the domain's (``habits.domain.split``): the equal split by winner rank in its
        SQL form, the random split's shares computed in Python and loaded by rank (``load_shares``).
        """
        o = self.o
        share, source = self.winner_share(prize, random=random)
        won = o.c.kind == SUCCESS
        legs = [
            select(o.c.held_account_id.label("account_id"), o.c.amount.label("amount_minor")).where(won),
            select(o.c.wallet_account_id, -(o.c.amount + share)).select_from(source).where(won),
        ]
        if pot_minor:
            legs.append(select(literal(pot_id, BigInteger), literal(pot_minor, BigInteger)))
        if fee_minor:
            legs.append(select(literal(fee_id, BigInteger), literal(-fee_minor, BigInteger)))
        return union_legs(*legs)

    def winner_share(self, prize: int, *, random: bool):
        """Each winner's share of ``prize`` as an expression over the outcomes, and the FROM it
        is read from: the winners' transaction pays it, the members' notices say it."""
        o = self.o
        if not prize:
            return literal(0, BigInteger), o
        if random:
            s = SHARES
            return func.coalesce(s.c.share, 0), o.outerjoin(s, s.c.win_rank == o.c.win_rank)
        winners = self.session.scalar(select(func.count()).where(o.c.kind == SUCCESS))
        return split_sql.equal_share(prize, winners, o.c.win_rank), o

    def load_shares(self, amounts: list[int]) -> None:
        """Store a split computed in Python (amount i belongs to the winner of rank i + 1)."""
        batch = 50_000
        for start in range(0, len(amounts), batch):
            self.session.execute(
                insert(SHARES),
                [
                    {"win_rank": start + i + 1, "share": a}
                    for i, a in enumerate(amounts[start : start + batch])
                ],
            )

    # -- enrollments --

    def update_enrollments(self) -> None:
        """Misses counted, eliminations and settled quits recorded (set-based)."""
        e, o = Enrollment.__table__, self.o

        def ids(*kinds):
            return select(o.c.enrollment_id).where(o.c.kind.in_(kinds))

        self.session.execute(update(e).where(e.c.id.in_(ids(MISSED))).values(misses=e.c.misses + 1))
        self.session.execute(
            update(e)
            .where(e.c.id.in_(ids(ELIMINATED)))
            .values(misses=e.c.misses + 1, status=S.ELIMINATED, ended_day_index=self.k)
        )
        self.session.execute(update(e).where(e.c.id.in_(ids(WITHDRAWN))).values(ended_day_index=self.k))
        self.update_streaks()

    def update_streaks(self) -> None:
        """Each enrollment's streak after the day (SPEC; ``habits.domain.streaks``): a valid
        check-in adds one, a rest or excused day keeps it, anything else (a miss, a voided
        check-in) resets it. Over the challenge's enrollments, not the outcomes: check-ins of
        eliminated or withdrawn members count too. The day's check-ins are final here (voids and
        appeals end when the day falls due), and only the rows whose streak changes are written.
        On the last day the finishers' streaks are written with their completion
        (:meth:`complete_enrollments`): one write a row, not two."""
        e, r = Enrollment.__table__, RestDay.__table__
        checked = self.checked_today()
        adding = update(e).where(e.c.id.in_(checked))
        if self.last_day:
            adding = adding.where(~self.completing())
        self.session.execute(adding.values(**self.streak_step(true())))
        if self.excused:
            return
        rested = select(r.c.enrollment_id).where(
            r.c.challenge_id == self.challenge.id, r.c.day_index == self.k
        )
        self.session.execute(
            update(e)
            .where(
                e.c.challenge_id == self.challenge.id,
                e.c.streak > 0,
                e.c.id.not_in(checked),
                e.c.id.not_in(rested),
            )
            .values(streak=0)
        )

    def checked_today(self):
        """The ids of the enrollments with a valid check-in today (for money or not)."""
        c = CheckIn.__table__
        return select(c.c.enrollment_id).where(
            c.c.challenge_id == self.challenge.id, c.c.day_index == self.k, c.c.voided_at.is_(None)
        )

    @staticmethod
    def streak_step(checked) -> dict:
        """The SET of a streak that grows by one where ``checked`` holds (SET reads the row's old
        values on both databases: best is compared with streak + 1)."""
        e = Enrollment.__table__
        grown = e.c.streak + 1
        return {
            "streak": case((checked, grown), else_=e.c.streak),
            "best_streak": case((and_(checked, e.c.best_streak < grown), grown), else_=e.c.best_streak),
        }

    # -- the last day --

    def finishers(self):
        o = self.o
        return o.c.kind.in_((SUCCESS, REST, EXCUSED, MISSED))

    def leftover(self):
        """What is left of a finisher's held deposit after the last day's stake (where > 0)."""
        o = self.o
        return o.c.held_minor - o.c.amount

    def leftover_amount(self) -> int:
        left = self.leftover()
        return int(
            self.session.scalar(select(func.coalesce(func.sum(left), 0)).where(self.finishers(), left > 0))
        )

    def leftover_legs(self):
        o = self.o
        left = self.leftover()
        where = (self.finishers(), left > 0)
        return union_legs(
            select(o.c.held_account_id.label("account_id"), left.label("amount_minor")).where(*where),
            select(o.c.wallet_account_id, -left).where(*where),
        )

    def completing(self):
        """The enrollments the last day completes (the active finishers)."""
        e, o = Enrollment.__table__, self.o
        return and_(e.c.id.in_(select(o.c.enrollment_id).where(self.finishers())), e.c.status == S.ACTIVE)

    def complete_enrollments(self) -> int:
        """Completed, with the day's streak step (``update_streaks`` leaves theirs to this)."""
        e = Enrollment.__table__
        streak = self.streak_step(e.c.id.in_(self.checked_today()))
        result = self.session.execute(
            update(e).where(self.completing()).values(status=S.COMPLETED, ended_day_index=self.k, **streak)
        )
        return result.rowcount

    def final_shares(self, amount: int):
        """Each finisher's share of the last pot (the domain's order and equal split), as a
        subquery (enrollment_id, wallet_account_id, share): paid by the final split, said by
        the members' notices."""
        o = self.o
        count = self.session.scalar(select(func.count()).where(self.finishers()))
        ranked = (
            select(
                o.c.enrollment_id,
                o.c.wallet_account_id,
                split_sql.finisher_rank(enrollment_id=o.c.enrollment_id).label("position"),
            )
            .where(self.finishers())
            .subquery("ranked")
        )
        share = split_sql.equal_share(amount, count, ranked.c.position)
        return select(ranked.c.enrollment_id, ranked.c.wallet_account_id, share.label("share")).subquery(
            "shares"
        )

    def final_split_legs(self, pot_id: int, amount: int):
        """The last pot, split equally among finishers (the domain's order and equal split)."""
        shares = self.final_shares(amount)
        return union_legs(
            select(
                literal(pot_id, BigInteger).label("account_id"),
                literal(amount, BigInteger).label("amount_minor"),
            ),
            select(shares.c.wallet_account_id, -shares.c.share).where(shares.c.share > 0),
        )
