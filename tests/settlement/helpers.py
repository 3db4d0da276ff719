"""Helpers for settlement scenarios: run the sweep as the scheduler would, read money back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

import ledger
from habits.services import audit
from habits.services.receipts import enrollment_money
from habits.services.settlement import SweepResult, settle_due_days


def sweep(session: Session, now: datetime) -> SweepResult:
    """One sweep at ``now``, committing each unit as the scheduler does."""
    result = settle_due_days(session, now=now, commit=session.commit)
    assert not result.failed, result.failed
    return result


def money(session: Session, enrollment) -> dict:
    session.refresh(enrollment)
    return enrollment_money(session, enrollment)


def balance_of(session: Session, account_id: int) -> int:
    """An account's balance as its owner reads it (a wallet holding 100 is 100)."""
    return ledger.normal_balance(session, account_id)


#: every habits check but the processor-cash reconciliation: the factories fund deposits straight
#: into the ledger, with no payment record for that check to compare with
CHECKS = [check for check in audit.HABITS_CHECKS if check.__name__ != "check_processor_cash"]


def assert_books_clean(session: Session) -> None:
    """`ledger verify` with the habits checks: no violation at all."""
    session.expire_all()
    violations = ledger.invariants.verify(session, CHECKS)
    assert violations == [], violations
