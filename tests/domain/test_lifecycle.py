"""Enrollment statuses: the allowed moves, and everything else ignored."""

from __future__ import annotations

import itertools

import pytest

from habits.domain.lifecycle import (
    TAKES_PART_IN_SETTLEMENT,
    TERMINAL_STATUSES,
    TRANSITIONS,
    EnrollmentEvent,
    EnrollmentStatus,
    allowed_events,
    is_terminal,
    next_status,
)

S = EnrollmentStatus
E = EnrollmentEvent

#: The whole table, written out independently of the module's.
EXPECTED = {
    (S.PENDING_PAYMENT, E.PAYMENT_CONFIRMED): S.ACTIVE,
    (S.PENDING_PAYMENT, E.UNPAID_AT_DAY_ZERO): S.CANCELLED,
    (S.PENDING_PAYMENT, E.CHALLENGE_CANCELLED): S.CANCELLED,
    (S.PENDING_PAYMENT, E.QUIT): S.WITHDRAWN,
    (S.ACTIVE, E.MISSED_TOO_OFTEN): S.ELIMINATED,
    (S.ACTIVE, E.QUIT): S.WITHDRAWN,
    (S.ACTIVE, E.FINISHED): S.COMPLETED,
    (S.ACTIVE, E.CHALLENGE_CANCELLED): S.CANCELLED,
    (S.ACTIVE, E.DISPUTE_OPENED): S.SUSPENDED,
    (S.SUSPENDED, E.DISPUTE_WON): S.ACTIVE,
    (S.SUSPENDED, E.DISPUTE_LOST): S.ELIMINATED,
}


def test_values_are_the_spec_words() -> None:
    assert [s.value for s in S] == [
        "pending_payment", "active", "eliminated", "completed", "withdrawn", "cancelled", "suspended",
    ]  # fmt: skip
    assert all(e.value == e.name.lower() for e in E)


@pytest.mark.parametrize(("status", "event"), list(itertools.product(S, E)))
def test_every_status_and_event_pair(status: EnrollmentStatus, event: EnrollmentEvent) -> None:
    assert next_status(status, event) == EXPECTED.get((status, event))


def test_the_table_has_exactly_the_expected_moves() -> None:
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("status", "event"), list(EXPECTED))
def test_repeating_an_event_is_ignored(status: EnrollmentStatus, event: EnrollmentEvent) -> None:
    after = next_status(status, event)
    assert after is not None
    assert next_status(after, event) is None


@pytest.mark.parametrize("status", sorted(TERMINAL_STATUSES))
def test_terminal_statuses_absorb_every_event(status: EnrollmentStatus) -> None:
    assert is_terminal(status)
    assert allowed_events(status) == frozenset()
    assert all(next_status(status, event) is None for event in E)


def test_only_the_four_end_states_are_terminal() -> None:
    assert {S.ELIMINATED, S.COMPLETED, S.WITHDRAWN, S.CANCELLED} == TERMINAL_STATUSES
    assert not any(is_terminal(s) for s in (S.PENDING_PAYMENT, S.ACTIVE, S.SUSPENDED))


def test_out_of_order_events_are_ignored() -> None:
    # A late payment after the enrollment was cancelled at day 0: status stays cancelled.
    assert next_status(S.CANCELLED, E.PAYMENT_CONFIRMED) is None
    # A settlement cannot eliminate someone who never paid, or finish them.
    assert next_status(S.PENDING_PAYMENT, E.MISSED_TOO_OFTEN) is None
    assert next_status(S.PENDING_PAYMENT, E.FINISHED) is None
    # A dispute outcome with no dispute open.
    assert next_status(S.ACTIVE, E.DISPUTE_WON) is None
    assert next_status(S.ACTIVE, E.DISPUTE_LOST) is None
    # While a dispute is open the deposit is frozen: nothing but its outcome applies.
    assert allowed_events(S.SUSPENDED) == {E.DISPUTE_WON, E.DISPUTE_LOST}


def test_a_dispute_round_trip() -> None:
    suspended = next_status(S.ACTIVE, E.DISPUTE_OPENED)
    assert suspended == S.SUSPENDED
    assert next_status(suspended, E.DISPUTE_WON) == S.ACTIVE
    assert next_status(suspended, E.DISPUTE_LOST) == S.ELIMINATED


def test_plain_strings_from_the_database_work() -> None:
    assert next_status("pending_payment", "payment_confirmed") == S.ACTIVE  # type: ignore[arg-type]
    assert is_terminal("completed")  # type: ignore[arg-type]


def test_only_active_enrollments_take_part_in_settlement() -> None:
    assert {S.ACTIVE} == TAKES_PART_IN_SETTLEMENT


def test_every_status_is_reachable_from_pending_payment() -> None:
    seen = {S.PENDING_PAYMENT}
    frontier = [S.PENDING_PAYMENT]
    while frontier:
        status = frontier.pop()
        for event in allowed_events(status):
            after = next_status(status, event)
            assert after is not None
            if after not in seen:
                seen.add(after)
                frontier.append(after)
    assert seen == set(S)
