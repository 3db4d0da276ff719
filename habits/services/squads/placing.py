"""Placing a challenge's members in squads when day 0 opens, and the organizers' regroupings.

Each change runs in the caller's transaction with the challenge's row locked (the row day 0's
opening locks too), reads the current assignment, computes the new one with the pure rules of
``habits.domain.squads``, and writes only the moves, set-based (one executemany per table). The
current assignment is unique per (challenge, enrollment) and every regrouping checks that the
set of members is unchanged, so no member is lost or duplicated; each change is a
``squad_changes`` row with its ``squad_moves``. Squads never touch the money.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from habits.domain import squads as rules
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Challenge, CheckIn, Community, Enrollment, Member, Squad, SquadChange, SquadMember
from habits.models.squad import SquadMove
from habits.services.communities import require_organizing
from habits.services.errors import FieldError, HabitsError, InvalidInput
from habits.services.squads.answers import matching_answers

PLACEMENT = "placement"
STRATEGIES = ("match", "shuffle", "activity", "split", "merge")
#: how many settled days "regroup by activity" looks back on
ACTIVITY_DAYS = 7


class NoSquads(HabitsError):
    """The challenge has no squads (none asked for, or day 0 has not placed them yet)."""

    title = "No squads"
    code = "challenge_has_no_squads"


def place_at_day_zero(session: Session, challenge: Challenge, *, now: datetime) -> SquadChange | None:
    """Place the active enrollments in squads of ``challenge.squad_size`` by their answers."""
    if not challenge.squad_size:
        return None
    active = select(Enrollment.id).where(
        Enrollment.challenge_id == challenge.id, Enrollment.status == EnrollmentStatus.ACTIVE
    )
    answers = matching_answers(session, active)
    placed = rules.place(sorted(answers.items()), challenge.squad_size)
    targets = [rules.Target(None, members) for members in placed]
    return _apply(session, challenge, targets, {}, strategy=PLACEMENT, actor=None, now=now)


def regroup(
    session: Session,
    challenge: Challenge,
    organizer: Member,
    *,
    strategy: str,
    squad_ids: list[int] | None = None,
    size: int | None = None,
    now: datetime,
    seed: int | None = None,
) -> SquadChange:
    """Regroup the challenge's squads (organizers): match, shuffle, activity, split or merge.

    ``squad_ids`` chooses the squads to split (default: every squad) or merge (at least two);
    ``size`` the cap of the new squads (default: the challenge's). InvalidInput (422) names the
    field at fault; NoSquads (409) before day 0 placed anyone.
    """
    community = session.get(Community, challenge.community_id)
    require_organizing(session, community, organizer, "regroup squads")
    session.flush()
    session.refresh(challenge, with_for_update=True)
    layout = current_layout(session, challenge)
    if not challenge.squad_size or not layout:
        raise NoSquads("This challenge has no squads: they are placed when day 0's window opens.")
    cap = size or challenge.squad_size
    chosen = _chosen(layout, squad_ids, strategy)
    if strategy == "match":
        answers = matching_answers(
            session, select(SquadMember.enrollment_id).where(SquadMember.challenge_id == challenge.id)
        )
        targets = rules.rematch(layout, answers, cap)
    elif strategy == "shuffle":
        targets = rules.shuffle(layout, cap, seed if seed is not None else secrets.randbits(32))
    elif strategy == "activity":
        targets = rules.by_activity(layout, stale_enrollments(session, challenge, layout), cap)
    elif strategy == "split":
        targets = rules.split(layout, chosen or sorted(layout), cap)
    elif strategy == "merge":
        merged = sum(len(layout[squad_id]) for squad_id in chosen)
        if merged > rules.MAX_CAP:
            raise InvalidInput(
                "Too many members for one squad.",
                errors={"squads": [FieldError("squad_too_big", f"At most {rules.MAX_CAP} members a squad.")]},
            )
        targets = rules.merge(layout, chosen)
    else:
        raise InvalidInput(
            "Unknown strategy.", errors={"strategy": [FieldError("unknown_strategy", "Unknown strategy.")]}
        )
    return _apply(session, challenge, targets, layout, strategy=strategy, actor=organizer.id, now=now)


def _chosen(layout: dict[int, list[int]], squad_ids: list[int] | None, strategy: str) -> list[int]:
    chosen = sorted(set(squad_ids or []))
    unknown = [squad_id for squad_id in chosen if squad_id not in layout]
    if unknown:
        raise InvalidInput(
            "These are not squads of this challenge.",
            errors={"squads": [FieldError("unknown_squads", f"Not squads of this challenge: {unknown}.")]},
        )
    if strategy == "merge" and len(chosen) < 2:
        raise InvalidInput(
            "Choose at least two squads to merge.",
            errors={"squads": [FieldError("merge_needs_two", "Choose at least two squads to merge.")]},
        )
    return chosen


def current_layout(session: Session, challenge: Challenge) -> dict[int, list[int]]:
    """{squad id: its enrollment ids} for the challenge's squads not dissolved (empty ones too)."""
    layout: dict[int, list[int]] = {
        squad_id: []
        for squad_id in session.scalars(
            select(Squad.id).where(Squad.challenge_id == challenge.id, Squad.dissolved_at.is_(None))
        )
    }
    for squad_id, enrollment_id in session.execute(
        select(SquadMember.squad_id, SquadMember.enrollment_id).where(
            SquadMember.challenge_id == challenge.id
        )
    ):
        layout.setdefault(squad_id, []).append(enrollment_id)
    return layout


def stale_enrollments(session: Session, challenge: Challenge, layout: dict[int, list[int]]) -> set[int]:
    """Members who missed most of the last ``ACTIVITY_DAYS`` settled days (no check-in that stands)."""
    last = challenge.settled_days
    first = max(0, last - ACTIVITY_DAYS)
    days = last - first
    if not days:
        return set()
    shown = dict(
        session.execute(
            select(CheckIn.enrollment_id, func.count(func.distinct(CheckIn.day_index)))
            .where(
                CheckIn.challenge_id == challenge.id,
                CheckIn.voided_at.is_(None),
                CheckIn.day_index >= first,
                CheckIn.day_index < last,
            )
            .group_by(CheckIn.enrollment_id)
        ).all()
    )
    members = [eid for squad in layout.values() for eid in squad]
    return {eid for eid in members if rules.missed_most(days - shown.get(eid, 0), days)}


def _apply(
    session: Session,
    challenge: Challenge,
    targets: list[rules.Target],
    layout: dict[int, list[int]],
    *,
    strategy: str,
    actor: int | None,
    now: datetime,
) -> SquadChange:
    before = {eid: squad_id for squad_id, members in layout.items() for eid in members}
    fresh = [target for target in targets if target.squad_id is None and target.members]
    number = session.scalar(
        select(func.coalesce(func.max(Squad.number), 0)).where(Squad.challenge_id == challenge.id)
    )
    new_ids = []
    if fresh:
        rows = session.execute(
            insert(Squad).returning(Squad.id, sort_by_parameter_order=True),
            [
                {"challenge_id": challenge.id, "number": number + i + 1, "created_at": now}
                for i in range(len(fresh))
            ],
        )
        new_ids = [row.id for row in rows]
    after: dict[int, int] = {}
    fresh_ids = iter(new_ids)
    kept: dict[int, int] = defaultdict(int)
    for target in targets:
        if target.squad_id is None and not target.members:
            continue
        squad_id = target.squad_id if target.squad_id is not None else next(fresh_ids)
        kept[squad_id] += len(target.members)
        for eid in target.members:
            if eid in after:
                raise AssertionError(f"enrollment {eid} placed twice")
            after[eid] = squad_id
    if layout and set(after) != set(before):
        raise AssertionError("a regrouping must keep the same members")
    moves = [
        (eid, before.get(eid), squad_id)
        for eid, squad_id in sorted(after.items())
        if before.get(eid) != squad_id
    ]
    table = SquadMember.__table__
    if not layout:
        session.execute(
            insert(table),
            [{"challenge_id": challenge.id, "enrollment_id": eid, "squad_id": to} for eid, _, to in moves],
        )
    elif moves:
        session.execute(
            update(table)
            .where(table.c.challenge_id == challenge.id, table.c.enrollment_id == bindparam("moved"))
            .values(squad_id=bindparam("to")),
            [{"moved": eid, "to": to} for eid, _, to in moves],
        )
    emptied = [squad_id for squad_id in layout if not kept.get(squad_id)]
    if emptied:
        session.execute(update(Squad).where(Squad.id.in_(emptied)).values(dissolved_at=now))
    change = SquadChange(
        challenge_id=challenge.id,
        strategy=strategy,
        actor_id=actor,
        moved=len(moves),
        squads_after=sum(1 for count in kept.values() if count),
        created_at=now,
    )
    session.add(change)
    session.flush()
    if moves:
        session.execute(
            insert(SquadMove.__table__),
            [
                {"change_id": change.id, "enrollment_id": eid, "from_squad_id": old, "to_squad_id": new}
                for eid, old, new in moves
            ],
        )
    return change
