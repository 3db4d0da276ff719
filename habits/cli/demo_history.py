"""The demo's past: challenges that began before today, with their members' paid deposits and
their check-ins of the days already closed, written as a real history would have been (the
deposits through the webhook handler, the check-ins with their past instants)."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.domain.calendar import Schedule, day_window, parse_hhmm
from habits.models import Challenge, CheckIn, Community, Enrollment, Member
from habits.models.payment import EventStatus, StripeEvent
from habits.payments.handlers import HandlerContext, on_payment_succeeded
from habits.services import challenges, enrollments
from habits.services.checkins import standing

#: Stripe's test card that pays (the offline gateway understands it)
DEMO_CARD = "pm_card_visa"
NOTES = ["done!", "20 pages before breakfast", "on the train", "finished the chapter", "slow but done"]


def past_challenge(
    session: Session,
    community: Community,
    organizer: Member,
    gateway,
    rng: random.Random,
    *,
    rules: dict,
    players: list[Member],
    always: Member,
    hit_rate: float,
    now: datetime,
    never: Member | None = None,
) -> Challenge:
    """Launch a challenge dated in the past, enroll and pay ``players`` before its day 0, and write
    their check-ins for the days whose windows have closed (``always`` checks in every day)."""
    day0_open = day_window(_schedule_of(rules), 0)[0]
    launched_at = day0_open - timedelta(days=3)
    challenge = challenges.launch_challenge(session, community, organizer, rules=rules, now=launched_at)
    for i, member in enumerate(players):
        joined_at = launched_at + timedelta(hours=2, minutes=7 * i)
        joined = enrollments.enroll(
            session, challenge, member, gateway=gateway, pay_from_wallet=False, now=joined_at
        )
        _record_past_payment(session, joined.enrollment, paid_at=joined_at + timedelta(minutes=3))
    schedule = challenge.schedule()
    for k in range(challenge.days):
        opens, closes = day_window(schedule, k)
        if closes > now:
            break
        span = int((closes - opens).total_seconds() // 60)
        for enrollment in _enrollments(session, challenge):
            member_id = enrollment.member_id
            skips = (never is not None and member_id == never.id) or rng.random() > hit_rate
            if member_id != always.id and skips:
                continue
            # most people check in early in the window; ``always`` is the earliest riser of all
            minute = 1 + rng.randrange(max(1, min(span - 2, 180))) if member_id != always.id else 0
            at = opens + timedelta(minutes=minute, seconds=rng.randrange(60))
            if span >= 1440:
                at += timedelta(hours=6)  # a reading day starts after breakfast
            session.add(
                CheckIn(
                    enrollment_id=enrollment.id,
                    challenge_id=challenge.id,
                    day_index=k,
                    checked_in_at=min(at, closes - timedelta(seconds=1)),
                    note=rng.choice(NOTES) if rng.random() < 0.4 else None,
                    value=float(rng.randrange(18, 41))
                    if challenge.value_label == "pages"
                    else round(rng.uniform(3, 6), 1),
                )
            )
    session.flush()
    standing.number_in_time_order(session, challenge.id)
    return challenge


def _schedule_of(rules: dict) -> Schedule:
    return Schedule(
        rules["timezone"],
        rules["start_date"],
        rules["days"],
        parse_hhmm(rules["window_open"]),
        parse_hhmm(rules["window_close"]),
    )


def _enrollments(session: Session, challenge: Challenge) -> list[Enrollment]:
    return list(
        session.scalars(
            select(Enrollment).where(Enrollment.challenge_id == challenge.id).order_by(Enrollment.id)
        )
    )


def _digest(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:24]


def _record_past_payment(session: Session, enrollment: Enrollment, *, paid_at: datetime) -> None:
    """The deposit as it arrived back then: Stripe's ``payment_intent.succeeded`` in the webhook
    inbox and the same handler the webhook runs (a signature cannot be dated in the past, so the
    signing step is the only one skipped; the offline gateway pays through it for payments made now)."""
    pi = enrollment.payment_intent_id
    event = {
        "id": "evt_offline_" + _digest(pi, "succeeded"),
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": int(paid_at.timestamp()),
        "livemode": False,
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": pi,
                "object": "payment_intent",
                "amount": enrollment.deposit_minor,
                "amount_received": enrollment.deposit_minor,
                "currency": enrollment.currency.lower(),
                "status": "succeeded",
                "payment_method": DEMO_CARD,
                "latest_charge": "ch_offline_" + _digest(pi, "charge"),
                "metadata": {"enrollment_id": str(enrollment.id), "member_id": str(enrollment.member_id)},
            }
        },
    }
    created = datetime.fromtimestamp(event["created"], UTC)
    session.add(
        StripeEvent(
            id=event["id"],
            type=event["type"],
            created_at=created,
            received_at=paid_at,
            processed_at=paid_at,
            livemode=False,
            payload=event,
            status=EventStatus.PROCESSED,
            attempts=1,
        )
    )
    on_payment_succeeded(HandlerContext(session=session, now=paid_at), event)
