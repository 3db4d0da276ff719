"""A webhook storm: 1,000 payments, each event delivered three times in shuffled order, mixed with
forged and stale deliveries. Exactly 1,000 activations, every bad one refused, no 5xx, and the
books verify and reconcile."""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update

import ledger
from habits import books
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Enrollment, Member
from habits.models.payment import EventStatus, Payment, StripeEvent
from tests.payments.helpers import assert_books_clean, event, open_challenge, sign

PAYMENTS = 1000
DEPOSIT = 3000


def make_pending_enrollments(session, challenge, n: int) -> list[dict]:
    """``n`` members and their pending enrollments with intents, in two set-based INSERTs."""
    now = datetime.now(UTC)
    tag = f"{os.getpid()}-{time.monotonic_ns()}"
    session.execute(
        insert(Member),
        [
            {
                "email": f"storm-{tag}-{i}@example.test",
                "password_hash": "x",
                "display_name": f"Storm {i}",
                "timezone": "UTC",
                "locale": "en",
                "created_at": now,
            }
            for i in range(n)
        ],
    )
    member_ids = session.scalars(select(Member.id).where(Member.email.like(f"storm-{tag}-%"))).all()
    session.execute(
        insert(Enrollment),
        [
            {
                "challenge_id": challenge.id,
                "member_id": member_id,
                "status": EnrollmentStatus.PENDING_PAYMENT,
                "misses": 0,
                "rest_days_used": 0,
                "paid_from_wallet": False,
                "deposit_minor": DEPOSIT,
                "currency": challenge.currency,
                "payment_intent_id": f"pi_storm_{tag}_{member_id}",
                "joined_at": now,
            }
            for member_id in member_ids
        ],
    )
    rows = session.execute(
        select(Enrollment.id, Enrollment.member_id, Enrollment.payment_intent_id).where(
            Enrollment.challenge_id == challenge.id
        )
    ).all()
    # Joining opens each enrollment's held deposit and the member's wallet; do it set-based too.
    held = {eid: books.held_deposit(eid, challenge.currency) for eid, _, _ in rows}
    purse = {eid: books.wallet(member_id, challenge.currency) for eid, member_id, _ in rows}
    ids = ledger.ensure_accounts(session, [*held.values(), *purse.values()])
    session.execute(
        update(Enrollment),
        [
            {"id": eid, "held_account_id": ids[held[eid].code], "wallet_account_id": ids[purse[eid].code]}
            for eid, _, _ in rows
        ],
    )
    session.commit()
    return [{"id": eid, "pi": pi} for eid, _, pi in rows]


def payment_event(enrollment: dict, currency: str) -> dict:
    return event(
        "payment_intent.succeeded",
        {
            "id": enrollment["pi"],
            "object": "payment_intent",
            "amount": DEPOSIT,
            "currency": currency.lower(),
            "status": "succeeded",
            "latest_charge": "ch_" + enrollment["pi"].removeprefix("pi_"),
            "metadata": {"enrollment_id": str(enrollment["id"])},
        },
        event_id=f"evt_{enrollment['pi']}",
    )


def test_webhook_storm(session, client):
    seed = int(os.environ.get("STORM_SEED", random.randrange(2**32)))
    print(f"storm seed: {seed} (STORM_SEED={seed} replays it)")
    rng = random.Random(seed)
    challenge = open_challenge(session, deposit_minor=DEPOSIT, days=3)
    enrollments = make_pending_enrollments(session, challenge, PAYMENTS)
    assert len(enrollments) == PAYMENTS

    now = int(time.time())
    good, bad = [], []
    for enrollment in enrollments:
        body, header = sign(
            payment_event(enrollment, challenge.currency), timestamp=now - rng.randrange(0, 120)
        )
        good.extend([(body, header)] * 3)
    for i in range(300):
        target = rng.choice(enrollments)
        body, header = sign(payment_event(target, challenge.currency))
        kind = i % 4
        if kind == 0:  # forged: the body changed after signing
            body = body.replace(f'"amount": {DEPOSIT}'.encode(), b'"amount": 1')
        elif kind == 1:  # stale: signed six minutes ago (a replay of a captured request)
            body, header = sign(payment_event(target, challenge.currency), timestamp=now - 360)
        elif kind == 2:  # someone else's secret
            body, header = sign(payment_event(target, challenge.currency), secret="whsec_attacker")
        else:  # no signature at all
            header = ""
        bad.append((body, header))
    deliveries = [(b, h, True) for b, h in good] + [(b, h, False) for b, h in bad]
    rng.shuffle(deliveries)

    started = time.perf_counter()
    statuses = {True: [], False: []}
    for body, header, is_good in deliveries:
        headers = {"Content-Type": "application/json"}
        if header:
            headers["Stripe-Signature"] = header
        statuses[is_good].append(client.post("/webhooks/stripe", data=body, headers=headers).status_code)
    elapsed = time.perf_counter() - started
    each = 1000 * elapsed / len(deliveries)
    print(f"storm: {len(deliveries)} deliveries in {elapsed:.1f} s ({each:.2f} ms each)")

    assert set(statuses[True]) == {200}
    assert statuses[False] == [400] * len(bad)
    active = session.scalar(
        select(func.count()).where(
            Enrollment.challenge_id == challenge.id, Enrollment.status == EnrollmentStatus.ACTIVE
        )
    )
    assert active == PAYMENTS
    assert session.scalar(select(func.count()).select_from(Payment)) == PAYMENTS
    assert session.scalar(select(func.count()).where(StripeEvent.status == EventStatus.PROCESSED)) == PAYMENTS
    assert session.scalar(select(func.sum(StripeEvent.attempts))) == PAYMENTS
    assert_books_clean(session)
