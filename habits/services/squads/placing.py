"""Placing a challenge's members in squads when day 0 opens, and the organizers' regroupings.

Each change runs in the caller's transaction with the challenge's row locked (the row day 0's
opening locks too), reads the current assignment, computes the new one with the pure rules of
``habits.domain.squads``, and writes only the moves, set-based (multi-row statements). The
current assignment is unique per (challenge, enrollment) and every regrouping checks that the
set of members is unchanged, so no member is lost or duplicated; each change is a
``squad_changes`` row with its ``squad_moves``. Squads never touch the money.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from habits.domain import squads as rules
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Challenge, CheckIn, Community, Enrollment, Member, Squad, SquadChange, SquadMember
from habits.services.communities import require_organizing
from habits.services.errors import FieldError, HabitsError, InvalidInput
from habits.services.squads.answers import matching_answers
from ledger.base import Base

PLACEMENT = "placement"
STRATEGIES = ("match", "shuffle", "activity", "split", "merge")
#: how many settled days "regroup by activity" looks back on
ACTIVITY_DAYS = 7
#: ids per DELETE ... IN on SQLite (far below its 32,766 bound parameters)
ROWS_PER_STATEMENT = 2000


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
    moved_ids = [eid for eid, _, _ in moves]
    if layout:
        _delete_assignments(session, challenge.id, moved_ids)
    _write_rows(
        session, _ASSIGN, {"ch": challenge.id}, enrollment_ids=moved_ids, squad_ids=[to for *_, to in moves]
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
    _write_rows(
        session,
        _MOVES,
        {"change": change.id},
        enrollment_ids=moved_ids,
        from_ids=[old for _, old, _ in moves],
        squad_ids=[new for *_, new in moves],
    )
    return change


#: the writes of a change, set-based: on PostgreSQL one statement each, the rows as arrays
#: (unnest); elsewhere (SQLite) one executemany of the same rows. A driver's executemany on
#: PostgreSQL sends a statement a row, and multi-row VALUES make the driver parse megabytes of
#: SQL: 24 s and 50 s for 100,000 members, against a few seconds for the arrays.
_ASSIGN = (
    "squad_members",
    ("challenge_id", "enrollment_id", "squad_id"),
    (":ch", "enrollment_ids", "squad_ids"),
)
_MOVES = (
    "squad_moves",
    ("change_id", "enrollment_id", "from_squad_id", "to_squad_id"),
    (":change", "enrollment_ids", "from_ids", "squad_ids"),
)


def _write_rows(session: Session, target: tuple, constants: dict, **columns: list) -> None:
    table, names, sources = target
    if not next(iter(columns.values())):
        return
    if session.get_bind().dialect.name == "postgresql":
        arrays = [source for source in sources if not source.startswith(":")]
        unnest = ", ".join(f"CAST(:{name} AS BIGINT[])" for name in arrays)
        picks = ", ".join(source if source.startswith(":") else f"t.{source}" for source in sources)
        session.execute(
            text(
                f"INSERT INTO {table} ({', '.join(names)}) "
                f"SELECT {picks} FROM unnest({unnest}) AS t({', '.join(arrays)})"
            ),
            {**constants, **columns},
        )
        return
    rows = [
        {
            name: constants[source[1:]] if source.startswith(":") else columns[source][i]
            for name, source in zip(names, sources, strict=True)
        }
        for i in range(len(next(iter(columns.values()))))
    ]
    session.execute(insert(Base.metadata.tables[table]), rows)


def _delete_assignments(session: Session, challenge_id: int, enrollment_ids: list[int]) -> None:
    """The moved members' current rows go (their new ones follow in the same transaction)."""
    if not enrollment_ids:
        return
    table = SquadMember.__table__
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "DELETE FROM squad_members "
                "WHERE challenge_id = :ch AND enrollment_id = ANY(CAST(:ids AS BIGINT[]))"
            ),
            {"ch": challenge_id, "ids": enrollment_ids},
        )
        return
    for start in range(0, len(enrollment_ids), ROWS_PER_STATEMENT):
        chunk = enrollment_ids[start : start + ROWS_PER_STATEMENT]
        session.execute(
            delete(table).where(table.c.challenge_id == challenge_id, table.c.enrollment_id.in_(chunk))
        )
