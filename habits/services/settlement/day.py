"""One day's settlement, as the named steps of SPEC's "Settling day k".

:func:`settle_next_day` reads as the rule does: return the stakes of rest and excused days,
collect the forfeits into the pot, pay the winners (stake back plus a share of the pot, less the
fee), count misses and eliminations, and on the last day finish the challenge. Each step posts
one ledger transaction per kind of movement (keys from ``habits.books``), set-based from the
day's outcomes table (``outcomes.DayWork``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.books import SettleStep
from habits.domain.calendar import day_window, due_at
from habits.domain.split import fee_for, new_seed, split_random
from habits.domain.stakes import stake_for_day
from habits.models import Challenge, ChallengeStatus, ExcusedDay, Split
from habits.models.settlement import DaySettlement, DaySettlementStatus
from habits.services import badges, daymarks
from habits.services.checkins import standing
from habits.services.settlement import notices
from habits.services.settlement import outcomes as o
from habits.services.settlement.errors import SettlementError

log = logging.getLogger(__name__)

#: outcomes whose stake comes back to the wallet, with their ledger key step
RETURN_KINDS = {o.REST: SettleStep.REST, o.EXCUSED: SettleStep.EXCUSED}
#: outcomes whose money goes to the pot, with their ledger key step
FORFEIT_KINDS = {
    o.MISSED: SettleStep.MISSES,
    o.ELIMINATED: SettleStep.ELIMINATIONS,
    o.WITHDRAWN: SettleStep.QUITS,
}
#: a day's figures, all zero until the day's movements fill them in
ZERO_FIGURES = (
    "carried_in_minor", "forfeited_minor", "pot_minor", "fee_minor", "split_minor", "carried_minor",
    "final_split_minor", "unclaimed_minor", "returned_minor", "winners", "rest_days", "misses",
    "eliminated", "withdrawn", "completed",
)  # fmt: skip


def settle_next_day(session: Session, challenge: Challenge, *, now: datetime) -> DaySettlement:
    """Settle day ``settled_days`` of a running challenge whose row the caller has locked.

    Raises SettlementError if the day is not due yet; a second settlement of the same day fails
    on the unique (challenge, day) key and writes nothing.
    """
    day = DayInSettlement.begin(session, challenge, now=now)
    day.return_stakes()
    day.collect_forfeits()
    day.pay_winners()
    day.work.update_enrollments()
    if day.last_day:
        day.finish()
    day.award_badges()
    day.tell_members()
    return day.close()


class DayInSettlement:
    """One (challenge, day) being settled: its figures (the ``day_settlements`` row to be),
    its outcomes table and its pot."""

    def __init__(self, session: Session, challenge: Challenge, row: DaySettlement, work: o.DayWork, *, due):
        self.session = session
        self.challenge = challenge
        self.row = row
        self.work = work
        self.k = row.day_index
        self.due = due
        self.last_day = work.last_day
        self.pot = books.open_account(session, books.pot(challenge.id, challenge.currency))
        self.stats: o.DayStats | None = None

    @classmethod
    def begin(cls, session: Session, challenge: Challenge, *, now: datetime) -> DayInSettlement:
        """Check the day is due, decide whether it is excused, and build its outcomes."""
        if challenge.status != ChallengeStatus.RUNNING:
            raise SettlementError(f"challenge {challenge.id} is {challenge.status}, not running")
        k = challenge.settled_days
        schedule = challenge.schedule()
        due = due_at(schedule, k, challenge.review_minutes)
        if now < due:
            raise SettlementError(f"day {k} of challenge {challenge.id} is due at {due.isoformat()}")
        stake = stake_for_day(challenge.deposit_minor, challenge.days, k)
        excuse = _excuse_for(session, challenge, k)
        outage = daymarks.outage_minutes(session, *day_window(schedule, k))
        if excuse is None and outage > challenge.outage_minutes:
            excuse = daymarks.excuse_for_outage(session, challenge, k, minutes=outage, now=now)
        row = DaySettlement(
            challenge_id=challenge.id,
            day_index=k,
            status=DaySettlementStatus.EXCUSED if excuse else DaySettlementStatus.SETTLED,
            excuse_reason=excuse.reason if excuse else None,
            currency=challenge.currency,
            stake_minor=stake,
            split=challenge.split,
            outage_minutes=outage,
            settled_at=now,
            **dict.fromkeys(ZERO_FIGURES, 0),
        )
        last_day = k == challenge.days - 1
        work = o.DayWork(session, challenge, k, stake=stake, excused=excuse is not None, last_day=last_day)
        day = cls(session, challenge, row, work, due=due)
        work.build()
        day.stats = work.stats()
        if day.stats.missing_accounts:
            raise SettlementError(
                f"{day.stats.missing_accounts} enrollments of challenge {challenge.id} have no accounts"
            )
        return day

    def post(self, step: SettleStep, legs, memo: str) -> None:
        """One ledger transaction of the day, dated when the day fell due."""
        ch = self.challenge.id
        ledger.post_from_select(
            self.session,
            key=books.settle_key(ch, self.k, step),
            currency=self.challenge.currency,
            memo=f"challenge {ch} day {self.k}: {memo}",
            occurred_at=self.due,
            legs=legs,
        )

    # -- SPEC's steps, in order --

    def return_stakes(self) -> None:
        """Rest and excused days: the day's stake back to the wallet (the winners' stakes come
        back with their shares in :meth:`pay_winners`)."""
        for kind, step in RETURN_KINDS.items():
            if self.stats.amount(kind):
                self.post(step, self.work.to_wallet_legs(kind), f"{kind} stakes back to wallets")
                self.row.returned_minor += self.stats.amount(kind)

    def collect_forfeits(self) -> None:
        """Misses, eliminations and quits feed the pot; the day's pot is what it carried plus them."""
        row, stats = self.row, self.stats
        for kind, step in FORFEIT_KINDS.items():
            if stats.amount(kind):
                self.post(step, self.work.to_pot_legs(kind, self.pot.id), f"{kind} forfeits into the pot")
        row.forfeited_minor = sum(stats.amount(kind) for kind in FORFEIT_KINDS)
        row.carried_in_minor = ledger.normal_balance(self.session, self.pot.id) - row.forfeited_minor
        row.pot_minor = row.carried_in_minor + row.forfeited_minor
        row.rest_days = stats.count(o.REST)
        row.misses = stats.count(o.MISSED) + stats.count(o.ELIMINATED)
        row.eliminated = stats.count(o.ELIMINATED)
        row.withdrawn = stats.count(o.WITHDRAWN)
        row.winners = stats.count(o.SUCCESS)

    def pay_winners(self) -> None:
        """The winners' stakes back and the pot, less the fee, split among them, in one transaction
        (one wallet posting per winner, not two: on a big day that is most of the day's rows). No
        winners: the pot carries, and no fee is taken."""
        row, challenge = self.row, self.challenge
        if row.winners == 0:
            row.carried_minor = row.pot_minor
            return
        fee_id = None
        if row.pot_minor:
            row.fee_minor = fee_for(row.pot_minor, challenge.fee_bps)
            row.split_minor = row.pot_minor - row.fee_minor
            fee_id = books.open_account(self.session, books.fee_revenue(challenge.currency)).id
            if challenge.split == Split.RANDOM:
                row.seed = new_seed()
                self.work.load_shares(split_random(row.split_minor, row.winners, row.seed))
        legs = self.work.winner_legs(
            self.pot.id, fee_id, row.pot_minor, row.fee_minor, row.split_minor, random=row.seed is not None
        )
        self.post(
            SettleStep.WINNERS, legs, f"stakes back to {row.winners} winners, pot of {row.pot_minor} split"
        )
        row.returned_minor += self.stats.amount(o.SUCCESS)

    def finish(self) -> None:
        """After day N-1: leftovers of held deposits back, the active complete, the last pot shared
        among the finishers (or, when nobody finished, to unclaimed revenue)."""
        row, work = self.row, self.work
        leftovers = work.leftover_amount()
        if leftovers:
            self.post(
                SettleStep.LEFTOVERS, work.leftover_legs(), "what is left of held deposits back to wallets"
            )
            row.returned_minor += leftovers
        row.completed = work.complete_enrollments()
        if not row.carried_minor:
            return
        left, row.carried_minor = row.carried_minor, 0
        if row.completed:
            row.final_split_minor = left
            self.post(
                SettleStep.FINAL_SPLIT,
                work.final_split_legs(self.pot.id, left),
                "last pot shared among finishers",
            )
        else:
            row.unclaimed_minor = left
            unclaimed = books.open_account(self.session, books.unclaimed_revenue(self.challenge.currency))
            self.post(
                SettleStep.UNCLAIMED,
                o.pot_to_account_legs(self.pot.id, unclaimed.id, left),
                "nobody completed",
            )

    def award_badges(self) -> None:
        """What the day's check-ins earned (ranks and runs are final now), set-based (``badges``)."""
        badges.award_day(
            self.session, self.challenge, self.k, now=self.row.settled_at, last_day=self.last_day
        )

    def tell_members(self) -> None:
        """Each member's notice of the day, set-based from the outcomes (``notices``)."""
        row = self.row
        notices.tell_members(
            self.session,
            self.work,
            self.challenge,
            prize=row.split_minor,
            random=row.seed is not None,
            final_split=row.final_split_minor,
            now=row.settled_at,
        )

    def close(self) -> DaySettlement:
        """Store the day's figures and move the challenge to its next due day (or complete it)."""
        # Only on success: after a failure the rollback takes the temporary tables away with the
        # rest (and on PostgreSQL no statement may run in the failed transaction before it).
        self.work.drop()
        row, challenge = self.row, self.challenge
        standing.forget_day_arrivals(self.session, challenge.id, self.k)
        self.session.add(row)
        challenge.settled_days = self.k + 1
        if self.last_day:
            challenge.status = ChallengeStatus.COMPLETED
            challenge.next_due_at = None
            if challenge.flash:
                # short play dissolves: off the lists, still reachable by its link and in histories
                challenge.archived_at = row.settled_at
        else:
            challenge.next_due_at = due_at(challenge.schedule(), self.k + 1, challenge.review_minutes)
        self.session.flush()
        log.info(
            "settled challenge %s day %s: %s winners, pot %s, fee %s, carried %s",
            challenge.id, self.k, row.winners, row.pot_minor, row.fee_minor, row.carried_minor,
        )  # fmt: skip
        return row


def _excuse_for(session: Session, challenge: Challenge, k: int) -> ExcusedDay | None:
    return session.scalars(
        select(ExcusedDay).where(ExcusedDay.challenge_id == challenge.id, ExcusedDay.day_index == k)
    ).first()
