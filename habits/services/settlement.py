"""Settling challenge days: the sweep, day 0's opening, and one day's settlement.

SPEC.md, "Settling day k", is the contract; docs/settlement.md explains every rule with a worked
example. The shape:

- :func:`settle_due_days` is the sweep the scheduler runs every minute (and ``flask settle`` runs
  for operators). It repeatedly picks ONE unit of work -- open a challenge's day 0, or settle its
  next due day -- locks that challenge's row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any
  number of runners share the work and never wait on each other), does the unit, and commits.
  Days of a challenge therefore go strictly in order (``settled_days`` is the next day), a
  restart after downtime settles the backlog (the sweep *is* the catch-up), and a unit that fails
  is rolled back whole and retried by the next sweep.
- A unit is all or nothing: a ``day_settlements`` row (unique per challenge and day: the
  idempotency guard), a handful of ledger transactions whose legs come from set-based SELECTs
  (``ledger.post_from_select``, one INSERT ... SELECT each, idempotent by key), and set-based
  UPDATEs of enrollments. Nothing is done per enrollment in Python, so a day of a million
  enrollments costs a few statements, not a million objects.

Ledger keys (one transaction per kind of movement, so receipts and statements can be read back
from the ledger by key, never from a copy):

=====================================  ====================================================
``open:{ch}:late-deposits``            held -> wallet: deposits confirmed after day 0 opened
``open:{ch}:early-quits``              held -> wallet: quit before day 0 opened
``open:{ch}:cancel-refunds``           held -> wallet: too few participants
``settle:{ch}:{k}:rest``               held -> wallet: s_k for each rest day
``settle:{ch}:{k}:excused``            held -> wallet: s_k for everyone on an excused day
``settle:{ch}:{k}:misses``             held -> pot: s_k for each miss that does not eliminate
``settle:{ch}:{k}:eliminations``       held -> pot: the whole remaining held deposit
``settle:{ch}:{k}:quits``              held -> pot: the whole remaining held deposit
``settle:{ch}:{k}:winners``            held -> wallet: s_k for each success, and (when the pot
                                       holds money) pot -> fee revenue and the winners' wallets:
                                       each winner's wallet gets s_k + its share in ONE posting
``settle:{ch}:{k}:leftovers``          last day: held -> wallet, what is left after the day
``settle:{ch}:{k}:final-split``        last day: pot -> the completed members' wallets
``settle:{ch}:{k}:unclaimed``          last day: pot -> unclaimed revenue (nobody completed)
=====================================  ====================================================
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

import ledger
from habits import accounts
from habits.domain.calendar import day_window, due_at
from habits.domain.lifecycle import EnrollmentStatus
from habits.domain.split import fee_for, new_seed, split_random
from habits.domain.stakes import stake_for_day
from habits.models import Challenge, ChallengeStatus, Enrollment, ExcusedDay, Split
from habits.models.settlement import DaySettlement, DaySettlementStatus
from habits.services import daymarks
from habits.services import settlement_sql as sql
from habits.services.errors import HabitsError

log = logging.getLogger(__name__)

S = EnrollmentStatus
#: outcomes whose stake comes back to the wallet, with their ledger key suffix
RETURN_KINDS = {sql.REST: "rest", sql.EXCUSED: "excused"}
#: outcomes whose money goes to the pot, with their ledger key suffix
FORFEIT_KINDS = {sql.MISSED: "misses", sql.ELIMINATED: "eliminations", sql.WITHDRAWN: "quits"}
#: a day's figures, all zero until the day's movements fill them in
ZERO_FIGURES = (
    "carried_in_minor", "forfeited_minor", "pot_minor", "fee_minor", "split_minor", "carried_minor",
    "final_split_minor", "unclaimed_minor", "returned_minor", "winners", "rest_days", "misses",
    "eliminated", "withdrawn", "completed",
)  # fmt: skip


class SettlementError(HabitsError):
    """The data does not allow a day to be settled (a bug or a broken row): nothing was written."""

    code = "settlement_not_possible"


@dataclass
class SweepResult:
    opened: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    #: (challenge_id, day_index) in the order they were settled
    settled: list[tuple[int, int]] = field(default_factory=list)
    #: (challenge_id, error) for units that failed and were rolled back
    failed: list[tuple[int, str]] = field(default_factory=list)


def settle_due_days(
    session: Session, *, now: datetime, commit: Callable[[], None], limit: int | None = None
) -> SweepResult:
    """Open every day 0 and settle every day that is due at ``now`` and not settled, in order.

    Unlike other services the sweep ends its own transactions: each unit (one challenge's day 0,
    or one (challenge, day)) is its own all-or-nothing transaction, ended by ``commit`` (the edge
    passes ``db.session.commit``; tests pass their session's). A unit that raises is rolled back,
    logged and skipped until the next sweep, so one broken challenge never blocks the others.
    Running it again, or in many processes at once, settles nothing twice. ``limit`` caps the
    number of units (None: until nothing is due).
    """
    result = SweepResult()
    skip: set[int] = set()
    while limit is None or len(result.opened) + len(result.settled) < limit:
        challenge = _lock_next_due(session, now=now, skip=skip)
        if challenge is None:
            break
        challenge_id = challenge.id
        try:
            if challenge.status == ChallengeStatus.ENROLLING:
                open_day_zero(session, challenge, now=now)
                (result.opened if challenge.status == ChallengeStatus.RUNNING else result.cancelled).append(
                    challenge_id
                )
            else:
                day = settle_next_day(session, challenge, now=now)
                result.settled.append((challenge_id, day.day_index))
            commit()
        except Exception as exc:
            session.rollback()
            log.exception("settlement of challenge %s failed; the next sweep retries it", challenge_id)
            result.failed.append((challenge_id, f"{type(exc).__name__}: {exc}"))
            skip.add(challenge_id)
    return result


def _lock_next_due(session: Session, *, now: datetime, skip: set[int]) -> Challenge | None:
    """The next challenge with work due, its row locked; rows other runners hold are skipped."""
    opening = (
        select(Challenge)
        .where(Challenge.status == ChallengeStatus.ENROLLING, Challenge.day_zero_opens_at <= now)
        .order_by(Challenge.day_zero_opens_at, Challenge.id)
    )
    settling = (
        select(Challenge)
        .where(Challenge.status == ChallengeStatus.RUNNING, Challenge.next_due_at <= now)
        .order_by(Challenge.next_due_at, Challenge.id)
    )
    for query in (opening, settling):
        if skip:
            query = query.where(Challenge.id.not_in(skip))
        # populate_existing: the row we lock is the row we read, not a stale object in the session
        query = query.limit(1).with_for_update(skip_locked=True).execution_options(populate_existing=True)
        challenge = session.scalars(query).first()
        if challenge is not None:
            return challenge
    return None


# --- day 0 -----------------------------------------------------------------------------------


def open_day_zero(session: Session, challenge: Challenge, *, now: datetime) -> None:
    """Close enrollment at day 0's window: cancel the unpaid and the late, then start or cancel.

    SPEC: an enrollment takes part from day 0 if its deposit was confirmed before day 0's window
    opens; one still ``pending_payment`` is ``cancelled``; a deposit confirmed at or after the
    opening (the webhook raced the opening) goes back to the member's wallet and the enrollment
    is ``cancelled``; a member who quit before the opening gets the whole deposit back; and with
    fewer than ``min_participants`` active enrollments the challenge is cancelled with every
    deposit back in full to the wallets. The caller holds the challenge's row lock.
    """
    if challenge.status != ChallengeStatus.ENROLLING:
        return
    opens_at = challenge.day_zero_opens_at
    if now < opens_at:
        raise SettlementError(f"day 0 of challenge {challenge.id} opens at {opens_at.isoformat()}")
    ch = challenge.id
    e = Enrollment.__table__
    session.execute(
        update(e).where(e.c.challenge_id == ch, e.c.status == S.PENDING_PAYMENT).values(status=S.CANCELLED)
    )
    late = sql.late_deposit_enrollments(ch, opens_at)
    _refund_held(
        session, challenge, late, key=f"open:{ch}:late-deposits", memo="deposit arrived after day 0", now=now
    )
    session.execute(update(e).where(e.c.id.in_(late)).values(status=S.CANCELLED))
    early_quits = sql.early_quit_enrollments(ch, opens_at)
    _refund_held(
        session, challenge, early_quits, key=f"open:{ch}:early-quits", memo="quit before day 0", now=now
    )

    active = select(e.c.id).where(e.c.challenge_id == ch, e.c.status == S.ACTIVE)
    count = session.scalar(select(func.count()).select_from(active.subquery()))
    if count < challenge.min_participants:
        _refund_held(
            session, challenge, active, key=f"open:{ch}:cancel-refunds", memo="too few participants", now=now
        )
        session.execute(
            update(e).where(e.c.challenge_id == ch, e.c.status == S.ACTIVE).values(status=S.CANCELLED)
        )
        challenge.status = ChallengeStatus.CANCELLED
        challenge.next_due_at = None
        log.info(
            "challenge %s cancelled at day 0: %s active of %s needed", ch, count, challenge.min_participants
        )
    else:
        challenge.status = ChallengeStatus.RUNNING
        challenge.next_due_at = due_at(challenge.schedule(), 0, challenge.review_minutes)
    session.flush()


def _refund_held(
    session: Session, challenge: Challenge, enrollment_ids, *, key: str, memo: str, now: datetime
) -> None:
    """Move the whole held balance of each selected enrollment back to its wallet (one transaction).

    Dated ``now``, when the sweep opened day 0: a late deposit may be dated after the opening
    instant itself, and a held deposit is never paid back before it was paid in.
    """
    # Nothing to give back (the usual case for late deposits and early quits) writes nothing.
    ledger.post_from_select(
        session,
        key=key,
        currency=challenge.currency,
        memo=f"challenge {challenge.id}: {memo}",
        occurred_at=now,
        legs=sql.held_to_wallet_legs(enrollment_ids),
    )


# --- one day ---------------------------------------------------------------------------------


def settle_next_day(session: Session, challenge: Challenge, *, now: datetime) -> DaySettlement:
    """Settle day ``settled_days`` of a running challenge whose row the caller has locked.

    Raises SettlementError if the day is not due yet; a second settlement of the same day fails
    on the unique (challenge, day) key and writes nothing.
    """
    if challenge.status != ChallengeStatus.RUNNING:
        raise SettlementError(f"challenge {challenge.id} is {challenge.status}, not running")
    k = challenge.settled_days
    schedule = challenge.schedule()
    due = due_at(schedule, k, challenge.review_minutes)
    if now < due:
        raise SettlementError(f"day {k} of challenge {challenge.id} is due at {due.isoformat()}")
    ch = challenge.id
    last_day = k == challenge.days - 1
    stake = stake_for_day(challenge.deposit_minor, challenge.days, k)
    pot = accounts.open_account(session, accounts.pot(ch, challenge.currency))

    excuse = _excuse_for(session, challenge, k)
    outage = daymarks.outage_minutes(session, *day_window(schedule, k))
    if excuse is None and outage > challenge.outage_minutes:
        excuse = daymarks.excuse_for_outage(session, challenge, k, minutes=outage, now=now)
    day = DaySettlement(
        challenge_id=ch,
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

    work = sql.DayWork(session, challenge, k, stake=stake, excused=excuse is not None, last_day=last_day)
    work.build()
    stats = work.stats()
    if stats.missing_accounts:
        raise SettlementError(f"{stats.missing_accounts} enrollments of challenge {ch} have no accounts")

    def post(suffix: str, legs, memo: str) -> None:
        ledger.post_from_select(
            session,
            key=f"settle:{ch}:{k}:{suffix}",
            currency=challenge.currency,
            memo=f"challenge {ch} day {k}: {memo}",
            occurred_at=due,
            legs=legs,
        )

    # Steps 1-3 of SPEC: rest and excused stakes back to wallets, forfeits into the pot (the
    # winners' stakes come back with their shares below).
    for kind, suffix in RETURN_KINDS.items():
        if stats.amount(kind):
            post(suffix, work.to_wallet_legs(kind), f"{kind} stakes back to wallets")
            day.returned_minor += stats.amount(kind)
    for kind, suffix in FORFEIT_KINDS.items():
        if stats.amount(kind):
            post(suffix, work.to_pot_legs(kind, pot.id), f"{kind} forfeits into the pot")
    day.forfeited_minor = sum(stats.amount(kind) for kind in FORFEIT_KINDS)
    day.carried_in_minor = ledger.normal_balance(session, pot.id) - day.forfeited_minor
    day.pot_minor = day.carried_in_minor + day.forfeited_minor
    day.rest_days = stats.count(sql.REST)
    day.misses = stats.count(sql.MISSED) + stats.count(sql.ELIMINATED)
    day.eliminated = stats.count(sql.ELIMINATED)
    day.withdrawn = stats.count(sql.WITHDRAWN)
    day.winners = stats.count(sql.SUCCESS)

    # The winners: their stakes back and the pot split among them in one transaction (one
    # wallet posting per winner, not two: on a big day that is most of the day's rows). No
    # winners: the pot carries, and no fee is taken.
    if day.winners == 0:
        day.carried_minor = day.pot_minor
    else:
        fee_id = None
        if day.pot_minor:
            day.fee_minor = fee_for(day.pot_minor, challenge.fee_bps)
            day.split_minor = day.pot_minor - day.fee_minor
            fee_id = accounts.open_account(session, accounts.fee_revenue(challenge.currency)).id
            if challenge.split == Split.RANDOM:
                day.seed = new_seed()
                work.load_shares(split_random(day.split_minor, day.winners, day.seed))
        legs = work.winner_legs(
            pot.id, fee_id, day.pot_minor, day.fee_minor, day.split_minor, random=day.seed is not None
        )
        post("winners", legs, f"stakes back to {day.winners} winners, pot of {day.pot_minor} split")
        day.returned_minor += stats.amount(sql.SUCCESS)

    work.update_enrollments()
    if last_day:
        _finish(session, challenge, day, work, post, pot)
    # Only on success: after a failure the rollback takes the temporary tables away with the rest
    # (and on PostgreSQL no statement may run in the failed transaction before it).
    work.drop()

    session.add(day)
    challenge.settled_days = k + 1
    if last_day:
        challenge.status = ChallengeStatus.COMPLETED
        challenge.next_due_at = None
    else:
        challenge.next_due_at = due_at(schedule, k + 1, challenge.review_minutes)
    session.flush()
    log.info(
        "settled challenge %s day %s: %s winners, pot %s, fee %s, carried %s",
        ch, k, day.winners, day.pot_minor, day.fee_minor, day.carried_minor,
    )  # fmt: skip
    return day


def _finish(session: Session, challenge: Challenge, day: DaySettlement, work, post, pot) -> None:
    """After day N-1: leftovers of held deposits back, the active complete, the last pot shared."""
    leftovers = work.leftover_amount()
    if leftovers:
        post("leftovers", work.leftover_legs(), "what is left of held deposits back to wallets")
        day.returned_minor += leftovers
    day.completed = work.complete_enrollments()
    if day.carried_minor:
        left, day.carried_minor = day.carried_minor, 0
        if day.completed:
            day.final_split_minor = left
            post("final-split", work.final_split_legs(pot.id, left), "last pot shared among finishers")
        else:
            day.unclaimed_minor = left
            unclaimed = accounts.open_account(session, accounts.unclaimed_revenue(challenge.currency))
            post("unclaimed", sql.pot_to_account_legs(pot.id, unclaimed.id, left), "nobody completed")


def _excuse_for(session: Session, challenge: Challenge, k: int) -> ExcusedDay | None:
    return session.scalars(
        select(ExcusedDay).where(ExcusedDay.challenge_id == challenge.id, ExcusedDay.day_index == k)
    ).first()
