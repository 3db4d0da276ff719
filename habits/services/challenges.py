"""Challenges: launching one with the rules of SPEC.md, reading it, and changing it.

SPEC, "Money rules freeze": the deposit, currency, days and time zone freeze from the first
enrollment (each enrollment carries the deposit it was asked for, a payment request for that
amount may already exist at the processor, and the daily stakes are D // N); every other rule
that decides where money goes (start date, window, max_misses, min_participants, fee, split,
review time, rest days, outage minutes, the evidence required) from the first paid deposit,
because members paid to play by them. All of them freeze when day 0's window opens. Titles,
descriptions and the value label stay editable.

"First enrollment" and "first paid deposit" count the enrollments whose deposit is still at
stake: one that left before day 0 with its whole deposit back, or was cancelled, binds nobody
to the rules any more (as for the deposit before).

SPEC: "a challenge cancelled before day 0 returns every deposit to its wallet": an organizer may
cancel one until day 0's window opens (``cancel_challenge``), paid deposits or not, exactly as
day 0's opening cancels one with too few participants (the same ledger key, so a challenge is
cancelled, and its deposits returned, once).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.domain import currencies, squads
from habits.domain.calendar import (
    MAX_DAYS,
    Schedule,
    day_date,
    day_zero_open,
    due_at,
    format_hhmm,
    invalid_days,
    parse_hhmm,
)
from habits.domain.lifecycle import HOLDS_NO_MONEY, NEVER_TOOK_PART, EnrollmentStatus
from habits.models import Challenge, ChallengeStatus, Community, Enrollment, Member, Split
from habits.services import entry
from habits.services.communities import require_organizing
from habits.services.errors import FieldError, HabitsError, InvalidInput, NotFound
from habits.services.settlement.day_zero import held_to_wallet_legs
from ledger.tables import balance_sql

#: what settlement reads: frozen once day 0's window has opened
MONEY_RULES = (
    "timezone",
    "start_date",
    "days",
    "window_open",
    "window_close",
    "deposit_minor",
    "currency",
    "max_misses",
    "min_participants",
    "fee_bps",
    "split",
    "review_minutes",
    "rest_days",
    "outage_minutes",
    "requires_photo",
    "requires_code_word",
)
#: a flash challenge is short play: 1 to 3 days
FLASH_MAX_DAYS = 3
#: chosen at launch, never changed: squads are placed at day 0, flash decides who may join
LAUNCH_ONLY = ("squad_size", "flash")
#: frozen as soon as one enrollment that may hold money exists
DEPOSIT_RULES = ("deposit_minor", "currency", "days", "timezone")
#: frozen as soon as one deposit is paid (every other money rule)
PAID_RULES = tuple(name for name in MONEY_RULES if name not in DEPOSIT_RULES)
#: free to change at any time
PLAIN_FIELDS = ("title", "description", "value_label")

DEFAULTS = {
    "description": "",
    "max_misses": 0,
    "min_participants": 1,
    "fee_bps": 0,
    "split": Split.EQUAL,
    "review_minutes": 10,
    "rest_days": 0,
    "outage_minutes": 10,
    "requires_photo": False,
    "requires_code_word": False,
    "value_label": None,
    "squad_size": 0,
    "flash": False,
}


#: statuses whose deposit may still arrive or is held: the deposit rules are frozen
_JOINED = frozenset(EnrollmentStatus) - HOLDS_NO_MONEY
#: statuses whose deposit was paid and still rides on the rules: every money rule is frozen
_PAID = _JOINED - NEVER_TOOK_PART


class ChallengeStarted(HabitsError):
    title = "Challenge already started"
    code = "challenge_started"


class ChallengeOver(HabitsError):
    """The challenge was cancelled: its money rules no longer mean anything (409)."""

    title = "Challenge cancelled"
    code = "challenge_over"


class CancelTooLate(HabitsError):
    """Day 0's window has opened (or the challenge ended): members play for their deposits now."""

    title = "Too late to cancel"
    code = "challenge_cancel_too_late"


class RulesFrozen(HabitsError):
    """Members joined or paid under these rules (409); ``errors`` names each frozen field."""

    title = "Rules frozen"
    code = "challenge_rules_frozen"


def check_rules(values: dict, *, now: datetime) -> dict[str, list[FieldError]]:
    """Every error in a full set of challenge rules, by field (empty when they are valid).

    The schema (and the page's form) has checked each field alone; this is the one home of the
    rules that judge them together: the window, deposit against days, rest days against days,
    and the schedule in its zone (a window that does not exist on some day because of a
    daylight-saving change, and a day 0 in the past). Each error carries a stable code the
    pages translate (``habits.web.refusals.FIELD_MESSAGES``).
    """
    errors: dict[str, list[FieldError]] = {}

    def add(field: str, code: str, message: str, **params) -> None:
        errors.setdefault(field, []).append(FieldError(code, message, **params))

    # exactly a code of the table: a near miss ("USD\n") would take card payments never booked
    if not currencies.is_currency(values["currency"]):
        add("currency", "unknown_currency", "Not a currency we take: use a code from the list, e.g. CNY.")

    open_minute = close_minute = None
    try:
        open_minute = parse_hhmm(values["window_open"])
        if open_minute >= 1440:
            add("window_open", "window_opens_at_midnight", "The window must open before 24:00.")
    except ValueError as exc:
        add("window_open", "not_a_time", str(exc))
    try:
        close_minute = parse_hhmm(values["window_close"])
    except ValueError as exc:
        add("window_close", "not_a_time", str(exc))
    if open_minute is not None and close_minute is not None and open_minute >= close_minute:
        add(
            "window_close",
            "window_closes_before_open",
            "The window must close after it opens (24:00 is the end of the day).",
        )
    days = values["days"]
    if not 1 <= days <= MAX_DAYS:
        add("days", "days_out_of_range", f"A challenge lasts 1 to {MAX_DAYS} days.", low=1, high=MAX_DAYS)
    if values["deposit_minor"] < days:
        add(
            "deposit_minor",
            "deposit_below_days",
            f"The deposit must be at least one minor unit per day ({days}).",
            days=days,
            currency=values["currency"],
        )
    if values.get("rest_days", 0) > days:
        add("rest_days", "rest_days_over_days", "There cannot be more rest days than days.")
    if values.get("min_participants", 1) < 1:
        add("min_participants", "no_participants", "At least one participant.")
    squad_size = values.get("squad_size", 0)
    if squad_size and not squads.MIN_CAP <= squad_size <= squads.MAX_CAP:
        add(
            "squad_size",
            "squad_size_out_of_range",
            f"0 for no squads, else {squads.MIN_CAP} to {squads.MAX_CAP} members a squad.",
            low=squads.MIN_CAP,
            high=squads.MAX_CAP,
        )
    if values.get("flash") and not 1 <= days <= FLASH_MAX_DAYS:
        add(
            "days",
            "flash_too_long",
            f"A flash challenge lasts 1 to {FLASH_MAX_DAYS} days.",
            high=FLASH_MAX_DAYS,
        )
    if errors:
        return errors
    try:
        schedule = Schedule(values["timezone"], values["start_date"], days, open_minute, close_minute)
    except ValueError as exc:
        add("timezone", "no_schedule", str(exc))
        return errors
    bad = invalid_days(schedule)
    if bad:
        dates = [day_date(schedule, k).isoformat() for k in bad]
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        message = (
            f"The window {format_hhmm(open_minute)}-{format_hhmm(close_minute)} does not exist in "
            f"{schedule.timezone} on {', '.join(dates[:3])}{more} (a daylight-saving change): "
            "choose other times."
        )
        add("window_open", "window_missing_on_days", message, dates=dates)
        add("window_close", "window_missing_on_days", message, dates=dates)
        return errors
    if day_zero_open(schedule) <= now:
        add(
            "start_date",
            "day_zero_opened",
            "Day 0's window has already opened: choose a later start date or window.",
        )
    return errors


def review_rules(rules: dict, *, now: datetime) -> dict[str, list[FieldError]]:
    """What ``launch_challenge`` would refuse in ``rules`` (the defaults filled in), before
    anyone confirms: the launch page's review step asks this."""
    return check_rules({**DEFAULTS, **rules}, now=now)


def launch_challenge(
    session: Session, community: Community, organizer: Member, *, rules: dict, now: datetime
) -> Challenge:
    """Launch a challenge in ``community`` (organizer or co-organizer only).

    ``rules`` holds the schema's fields (window as "HH:MM"). Raises Forbidden (403) for anyone
    else, InvalidInput (422) with every field error when the rules do not hold together.
    """
    require_organizing(session, community, organizer, "launch a challenge")
    rules = dict(rules)
    # the challenge's own entry quiz and form (habits.services.entry), in place of the community's
    own_entry = rules.pop("entry", None) or {}
    entry.check_definitions(own_entry.get("quiz"), own_entry.get("form"))
    values = {**DEFAULTS, **rules}
    errors = review_rules(rules, now=now)
    if errors:
        raise InvalidInput("These challenge rules do not hold together.", errors=errors)
    challenge = Challenge(
        community_id=community.id,
        code_word_secret=secrets.token_hex(32),
        status=ChallengeStatus.ENROLLING,
        settled_days=0,
        created_by_id=organizer.id,
        created_at=now,
    )
    _apply(challenge, values)
    challenge.entry_quiz, challenge.entry_form = own_entry.get("quiz"), own_entry.get("form")
    session.add(challenge)
    session.flush()
    return challenge


def update_challenge(
    session: Session, challenge: Challenge, organizer: Member, *, changes: dict, now: datetime
) -> Challenge:
    """Change a challenge's rules (organizer or co-organizer of its community).

    Refused (409) for money rules of a cancelled challenge (ChallengeOver), once day 0's window
    has opened (ChallengeStarted), for the
    deposit, currency, days and time zone once anyone has joined, and for the other money rules
    once anyone has paid (RulesFrozen); each refused field is named with its FieldError code.
    The title, description and value label stay free.
    """
    community = session.get(Community, challenge.community_id)
    require_organizing(session, community, organizer, "change this challenge")
    changes = {name: value for name, value in changes.items() if name not in LAUNCH_ONLY}
    current = rules_of(challenge)
    changed = {name for name, value in changes.items() if current.get(name) != value}
    frozen_money = sorted(changed & set(MONEY_RULES))
    if frozen_money and challenge.status == ChallengeStatus.CANCELLED:
        # cancelled before day 0 (by an organizer): nobody will ever play by its rules
        raise ChallengeOver(
            "The challenge is cancelled: its rules can no longer change.",
            errors={
                name: [FieldError("frozen_challenge_over", "Frozen: the challenge is cancelled.")]
                for name in frozen_money
            },
        )
    if frozen_money and now >= challenge.day_zero_opens_at:
        raise ChallengeStarted(
            "Day 0's window has opened: the rules that decide where money goes can no longer change.",
            errors={
                name: [FieldError("frozen_since_day_zero", "Frozen since day 0's window opened.")]
                for name in frozen_money
            },
        )
    frozen = frozen_fields(session, challenge, changed)
    if frozen:
        raise RulesFrozen(
            f"Members joined or paid under these rules: {', '.join(sorted(frozen))} can no longer change.",
            errors=frozen,
        )
    if changed & set(MONEY_RULES):
        values = {**current, **changes}
        errors = check_rules(values, now=now)
        if errors:
            raise InvalidInput("These challenge rules do not hold together.", errors=errors)
        _apply(challenge, values)
    else:
        for name in changed & set(PLAIN_FIELDS):
            setattr(challenge, name, changes[name])
    session.flush()
    return challenge


#: enrollments a cancellation ends: waiting for a deposit, or holding one (a suspended one waits
#: for its card dispute, whose outcome catches up with the cancellation: services/disputes.py)
CANCELLED_BY_CANCEL = (EnrollmentStatus.PENDING_PAYMENT, EnrollmentStatus.ACTIVE)


def cancel_challenge(
    session: Session, challenge: Challenge, organizer: Member, *, now: datetime
) -> Challenge:
    """Cancel a challenge before day 0's window opens (organizer or co-organizer of its community).

    Every held deposit goes back in full to its member's wallet in one ledger transaction (the key
    day 0's opening uses for a cancellation, ``open:{ch}:cancel-refunds``), enrollments waiting
    for a deposit or holding one are ``cancelled`` (a deposit paid later goes to the wallet, as
    SPEC says), and the sweep has nothing left to do. Cancelling a cancelled challenge changes
    nothing; CancelTooLate (409) once day 0's window has opened or the challenge ended.
    """
    community = session.get(Community, challenge.community_id)
    require_organizing(session, community, organizer, "cancel this challenge")
    # The row the sweep locks to open day 0: one of the two wins, and the other sees what it did.
    session.flush()
    session.refresh(challenge, with_for_update=True)
    if challenge.status == ChallengeStatus.CANCELLED:
        return challenge
    if challenge.status != ChallengeStatus.ENROLLING or now >= challenge.day_zero_opens_at:
        raise CancelTooLate(
            "Day 0's window has opened: the challenge can no longer be cancelled.",
            challenge_status=challenge.status.value,
        )
    e = Enrollment.__table__
    # Deposits being recorded for these enrollments finish first (they lock the enrollment);
    # those that come after find it cancelled and go to the wallet.
    session.execute(select(e.c.id).where(e.c.challenge_id == challenge.id).with_for_update())
    ending = select(e.c.id).where(e.c.challenge_id == challenge.id, e.c.status.in_(CANCELLED_BY_CANCEL))
    ledger.post_from_select(
        session,
        key=books.open_key(challenge.id, books.OpenStep.CANCEL_REFUNDS),
        currency=challenge.currency,
        memo=f"challenge {challenge.id}: cancelled by an organizer before day 0",
        occurred_at=now,
        legs=held_to_wallet_legs(ending),
    )
    session.execute(
        e.update()
        .where(e.c.challenge_id == challenge.id, e.c.status.in_(CANCELLED_BY_CANCEL))
        .values(status=EnrollmentStatus.CANCELLED)
    )
    challenge.status = ChallengeStatus.CANCELLED
    challenge.next_due_at = None
    session.flush()
    session.expire_all()  # the enrollments just changed in SQL
    return challenge


def held_deposits(session: Session, challenge: Challenge) -> tuple[int, int]:
    """(members, minor units): the deposits a cancellation now would send back to wallets."""
    e = Enrollment.__table__
    held = balance_sql(e.c.held_account_id)
    amounts = (
        select(held.label("amount"))
        .where(e.c.challenge_id == challenge.id, e.c.status.in_(CANCELLED_BY_CANCEL))
        .subquery()
    )
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(amounts.c.amount), 0)).where(amounts.c.amount > 0)
    ).one()
    return int(count), int(total)


def frozen_fields(session: Session, challenge: Challenge, names) -> dict[str, list[FieldError]]:
    """Which of ``names`` are frozen now (before day 0) because members joined or paid, each with
    the FieldError that says since when: ``frozen_since_joined`` or ``frozen_since_paid``."""
    errors: dict[str, list[FieldError]] = {}
    joined = sorted(set(names) & set(DEPOSIT_RULES))
    if joined and _has_enrollments(session, challenge, _JOINED):
        for name in joined:
            errors[name] = [FieldError("frozen_since_joined", "Frozen since the first member joined.")]
    paid = sorted(set(names) & set(PAID_RULES))
    if paid and _has_enrollments(session, challenge, _PAID):
        for name in paid:
            errors[name] = [FieldError("frozen_since_paid", "Frozen since the first deposit was paid.")]
    return errors


def rules_of(challenge: Challenge) -> dict:
    """The challenge's rules in the shape of the schema (window as "HH:MM")."""
    values = {name: getattr(challenge, name) for name in MONEY_RULES if not name.startswith("window_")}
    values.update({name: getattr(challenge, name) for name in PLAIN_FIELDS})
    values.update({name: getattr(challenge, name) for name in LAUNCH_ONLY})
    values["window_open"] = format_hhmm(challenge.open_minute)
    values["window_close"] = format_hhmm(challenge.close_minute)
    return values


def _apply(challenge: Challenge, values: dict) -> None:
    for name, value in values.items():
        if name in ("window_open", "window_close"):
            continue
        setattr(challenge, name, value)
    challenge.open_minute = parse_hhmm(values["window_open"])
    challenge.close_minute = parse_hhmm(values["window_close"])
    schedule = challenge.schedule()
    challenge.day_zero_opens_at = day_zero_open(schedule)
    challenge.next_due_at = due_at(schedule, challenge.settled_days or 0, challenge.review_minutes)


def _has_enrollments(session: Session, challenge: Challenge, statuses: frozenset) -> bool:
    found = session.scalar(
        select(Enrollment.id)
        .where(Enrollment.challenge_id == challenge.id, Enrollment.status.in_(sorted(statuses)))
        .limit(1)
    )
    return found is not None


def get_challenge(session: Session, challenge_id: int) -> Challenge:
    challenge = session.get(Challenge, challenge_id)
    if challenge is None:
        raise NotFound(f"There is no challenge {challenge_id}.")
    return challenge


def list_challenges(
    session: Session, community: Community, *, page: int, per_page: int, now: datetime | None = None
) -> tuple[list[Challenge], int]:
    """A community's challenges, newest start first (ties by id), and the total; archived flash
    challenges are left out (their link and the members' history still reach them)."""
    query = select(Challenge).where(Challenge.community_id == community.id, Challenge.archived_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(Challenge.start_date.desc(), Challenge.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(items), total


def next_open_in_community(session: Session, challenge: Challenge, *, now: datetime) -> Challenge | None:
    """The community's next challenge still open for joining at ``now`` (the first to open its
    day 0, then the lowest id), other than ``challenge``; None when there is none."""
    return session.scalar(
        select(Challenge)
        .where(
            Challenge.community_id == challenge.community_id,
            Challenge.id != challenge.id,
            Challenge.status == ChallengeStatus.ENROLLING,
            Challenge.day_zero_opens_at > now,
        )
        .order_by(Challenge.day_zero_opens_at, Challenge.id)
        .limit(1)
    )


def enrollment_counts(session: Session, challenge: Challenge) -> dict[str, int]:
    """How many enrollments the challenge has in each status (every status present, 0 included)."""
    rows = session.execute(
        select(Enrollment.status, func.count())
        .where(Enrollment.challenge_id == challenge.id)
        .group_by(Enrollment.status)
    ).all()
    counts = {status.value: 0 for status in EnrollmentStatus}
    counts.update({EnrollmentStatus(status).value: count for status, count in rows})
    return counts


def pot_minor(session: Session, challenge: Challenge) -> int:
    """What the challenge's pot holds now, from the ledger (0 before anything was forfeited)."""
    code = books.pot(challenge.id, challenge.currency).code
    account_id = session.scalar(select(ledger.Account.id).where(ledger.Account.code == code))
    return ledger.normal_balance(session, account_id) if account_id is not None else 0


def enrollment_ids_of(session: Session, member_id: int, challenge_ids: list[int]) -> dict[int, int]:
    """The member's enrollment id per challenge, among ``challenge_ids``: the newest where they
    joined again (``enrollments.enrollment_of`` says why that is the live one)."""
    if not challenge_ids:
        return {}
    rows = session.execute(
        select(Enrollment.challenge_id, func.max(Enrollment.id))
        .where(Enrollment.member_id == member_id, Enrollment.challenge_id.in_(challenge_ids))
        .group_by(Enrollment.challenge_id)
    ).all()
    return dict(rows)
