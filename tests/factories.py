"""Plain factory functions: defaults for everything, overrides by keyword, committed rows.

They commit (a SAVEPOINT release inside the test's outer transaction) so that requests made by
the test client see them. Areas keep extra helpers in tests/<area>/helpers.py.
"""

from __future__ import annotations

import functools
import itertools
import secrets
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

import ledger
from habits import books
from habits.domain import entry as entry_rules
from habits.domain.calendar import day_window, due_at, parse_hhmm
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import (
    Challenge,
    CheckIn,
    Community,
    CommunityMembership,
    Enrollment,
    Member,
    Role,
    Theme,
)
from habits.services.checkins import standing
from tests.timehelpers import local

_seq = itertools.count(1)
PASSWORD = "password-123"
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def make_member(session: Session, **overrides) -> Member:
    n = next(_seq)
    values = {
        "email": f"member{n}@example.test",
        "password_hash": _password_hash(),
        "display_name": f"Member {n}",
        "timezone": "UTC",
        "locale": "en",
        "created_at": _now(),
    }
    values.update(overrides)
    member = Member(**values)
    session.add(member)
    session.commit()
    return member


@functools.cache
def _password_hash() -> str:
    """The hash of PASSWORD, computed once: a real hash per factory call would slow every test."""
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def text_fields(*labels: str, required: bool = True) -> list[dict]:
    """A registration form of text fields, keyed as habits.domain.entry.key_for keys them."""
    keys: list[str] = []
    for position, label in enumerate(labels, start=1):
        keys.append(entry_rules.key_for(label, set(keys), position))
    return [
        {"key": key, "label": label, "kind": "text", "required": required}
        for key, label in zip(keys, labels, strict=True)
    ]


def make_community(session: Session, organizer: Member | None = None, **overrides) -> Community:
    organizer = organizer or make_member(session)
    values = {
        "name": f"Community {next(_seq)}",
        "theme": Theme.EARLY_RISE,
        "description": "We rise early.",
        "rules_text": "Check in between 05:00 and 07:00.",
        "organizer_id": organizer.id,
        # SPEC: a community's zone defaults to its organizer's (services.communities does the same)
        "timezone": organizer.timezone,
        "created_at": _now(),
    }
    values.update(overrides)
    community = Community(**values)
    session.add(community)
    session.flush()
    session.add(
        CommunityMembership(
            community_id=community.id,
            member_id=organizer.id,
            role=Role.ORGANIZER,
            joined_at=_now(),
            answers={},
        )
    )
    session.commit()
    return community


def add_to_community(session: Session, community: Community, member: Member, role: Role = Role.MEMBER):
    membership = CommunityMembership(
        community_id=community.id, member_id=member.id, role=role, joined_at=_now(), answers={}
    )
    session.add(membership)
    session.commit()
    return membership


def make_challenge(session: Session, community: Community | None = None, **overrides) -> Challenge:
    """A challenge; window given as ``window_open``/``window_close`` "HH:MM" or as minutes."""
    community = community or make_community(session)
    values = {
        "title": f"Challenge {next(_seq)}",
        "timezone": "Asia/Shanghai",
        "start_date": date(2026, 3, 2),
        "days": 7,
        "open_minute": parse_hhmm(overrides.pop("window_open", "05:00")),
        "close_minute": parse_hhmm(overrides.pop("window_close", "07:00")),
        "deposit_minor": 7000,
        "currency": "CNY",
        "max_misses": 2,
        "min_participants": 1,
        "fee_bps": 0,
        "review_minutes": 10,
        "code_word_secret": secrets.token_hex(16),
        "created_by_id": community.organizer_id,
        "created_at": _now(),
    }
    values.update(overrides)
    challenge = Challenge(community_id=community.id, day_zero_opens_at=EPOCH, **values)
    schedule = challenge.schedule()
    challenge.day_zero_opens_at = day_window(schedule, 0)[0]
    challenge.next_due_at = due_at(schedule, 0, challenge.review_minutes)
    session.add(challenge)
    session.commit()
    return challenge


def make_enrollment(
    session: Session,
    challenge: Challenge,
    member: Member | None = None,
    *,
    status: EnrollmentStatus = EnrollmentStatus.PENDING_PAYMENT,
    funded: bool | None = None,
    **overrides,
) -> Enrollment:
    """An enrollment; ``funded`` (default: when active) posts the deposit into its held account,
    as a confirmed payment would: processor cash -> held deposit, key ``deposit:{id}``."""
    member = member or make_member(session)
    values = {
        "challenge_id": challenge.id,
        "member_id": member.id,
        "status": status,
        "deposit_minor": challenge.deposit_minor,
        "currency": challenge.currency,
        "joined_at": _now(),
    }
    values.update(overrides)
    enrollment = Enrollment(**values)
    session.add(enrollment)
    session.flush()
    wallet = books.open_account(session, books.wallet(member.id, challenge.currency))
    held = books.open_account(session, books.held_deposit(enrollment.id, challenge.currency))
    enrollment.wallet_account_id, enrollment.held_account_id = wallet.id, held.id
    if funded if funded is not None else status == EnrollmentStatus.ACTIVE:
        enrollment.activated_at = enrollment.activated_at or _now()
        cash = books.open_account(session, books.processor_cash(challenge.currency))
        ledger.post(
            session,
            key=books.deposit_key(enrollment.id),
            currency=challenge.currency,
            legs=[ledger.Leg(cash, enrollment.deposit_minor), ledger.Leg(held, -enrollment.deposit_minor)],
            memo=f"deposit for enrollment {enrollment.id} (test factory)",
            occurred_at=min(_now(), challenge.day_zero_opens_at - timedelta(hours=1)),
        )
    session.commit()
    return enrollment


def make_checkin(
    session: Session, enrollment: Enrollment, day_index: int, *, at: datetime | None = None, **overrides
) -> CheckIn:
    """A check-in row written directly (for settlement scenarios); ``at`` defaults to the window open."""
    challenge = session.get(Challenge, enrollment.challenge_id)
    at = at or day_window(challenge.schedule(), day_index)[0]
    checkin = CheckIn(
        enrollment_id=enrollment.id,
        challenge_id=enrollment.challenge_id,
        day_index=day_index,
        checked_in_at=at,
        **overrides,
    )
    if "arrival_no" not in overrides:
        standing.renumber(session, checkin)  # numbered in the order written, as a tap would be
    session.add(checkin)
    session.commit()
    return checkin


def at_local(challenge: Challenge, day: int, hhmm: str) -> datetime:
    """The UTC instant of local ``hhmm`` on challenge day ``day`` (the SPEC's 'day k')."""
    return local(challenge.timezone, challenge.start_date + timedelta(days=day), hhmm)
