"""A member with real winnings and a card charge, made through the use cases: two members pay a
one-day challenge's deposit by card (signed webhooks), one checks in, the day is settled. The
winner's wallet then holds its stake back (which card refunds can still take) and the loser's
forfeited stake (which only a payout can get out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

import ledger
from habits import books
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Member
from habits.services.settlement import settle_due_days
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment, make_member
from tests.payments.helpers import deliver, give_intent, succeeded
from tests.timehelpers import travel

DEPOSIT = 300
CCY = "CNY"


@dataclass
class Money:
    winner: Member
    loser: Member
    admin: Member
    #: an instant after the settlement, when the payouts happen
    now: datetime


def pay_by_card(session: Session, client, gateway, enrollment, instant: datetime) -> None:
    with travel(instant):
        give_intent(session, enrollment, gateway, now=instant)
        response = deliver(client, succeeded(enrollment))
    assert response.status_code == 200, response.get_json()
    session.refresh(enrollment)
    assert enrollment.status == EnrollmentStatus.ACTIVE


def winnings(session: Session, client, gateway, *, start: date = date(2026, 3, 2)) -> Money:
    challenge = make_challenge(
        session, days=1, deposit_minor=DEPOSIT, max_misses=0, start_date=start, requires_code_word=False
    )
    winner, loser = make_member(session, display_name="Wendy Winner"), make_member(session)
    for member in (winner, loser):
        with travel(at_local(challenge, -1, "12:00")):
            enrollment = make_enrollment(session, challenge, member)
        pay_by_card(session, client, gateway, enrollment, at_local(challenge, -1, "12:30"))
        if member is winner:
            make_checkin(session, enrollment, 0)
    due = at_local(challenge, 0, "07:10")
    with travel(due):
        result = settle_due_days(session, now=due, commit=session.commit)
    assert not result.failed
    admin = make_member(session, display_name="Ada Admin", is_admin=True)
    return Money(winner, loser, admin, due + timedelta(hours=5))


def wallet(session: Session, member_id: int, currency: str = CCY) -> int:
    return ledger.normal_balance(session, books.open_account(session, books.wallet(member_id, currency)))


def pending(session: Session, member_id: int, currency: str = CCY) -> int:
    account = books.open_account(session, books.payouts_pending(member_id, currency))
    return ledger.normal_balance(session, account)


def cash(session: Session, currency: str = CCY) -> int:
    return ledger.normal_balance(session, books.open_account(session, books.processor_cash(currency)))
