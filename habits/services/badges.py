"""Awarding badges, set-based, in the settlement of each day (habits.domain.levels: the kinds).

Every badge is awarded when a day is settled, in the day's own transaction, after its outcomes:
the day's check-ins are final then (voids and appeals are done once the day is due), so a rank
or a run is exact, and the wake-up tap writes nothing more. Each kind is ONE
``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` over the day's valid check-ins (a day of a
hundred thousand is a few statements, never a loop over members); the unique key
(member, kind, scope) holds "once" when two settlements (two challenges of one member) race.
Rows go in member order, so two racing inserts take their key locks in the same order and
wait for each other instead of deadlocking.

- ``first_check_in`` and the streak badges (once ever), ``comeback`` (once per challenge): from
  the run the day's valid check-in ends, counted over the member's valid check-ins of the
  challenge, rest days and excused days bridging (neither breaking nor adding: SPEC);
- ``earliest_riser`` and ``top_three`` (once per challenge day): the rank of the day, among its
  valid check-ins by instant then enrollment id (SPEC); check-ins of eliminated or withdrawn
  members count;
- ``perfect_challenge`` (once per challenge): on the last day, the finishers without a miss.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    case,
    exists,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habits.domain.levels import RISER_BADGES, STREAK_BADGES, Badge
from habits.domain.lifecycle import EnrollmentStatus
from habits.domain_sql import split as split_sql
from habits.models import BadgeAward, Challenge, CheckIn, Enrollment, ExcusedDay, RestDay
from habits.services.notifications import notify_from_select, sql

#: a badge's notification kind is this prefix and the badge (notifications.kinds)
NOTICE_PREFIX = "badge_"
NOTICE_KINDS = frozenset(NOTICE_PREFIX + badge.value for badge in Badge if badge != Badge.FIRST_CHECK_IN)
#: the columns every award select gives, in order
COLUMNS = ("member_id", "kind", "scope", "challenge_id", "day_index", "awarded_at")


def scope_of(badge: Badge, challenge_id: int, day_index: int) -> str:
    """What one badge is for: once ever, once per challenge, or once per challenge day."""
    if badge in (Badge.EARLIEST_RISER, Badge.TOP_THREE):
        return f"c{challenge_id}:{day_index}"
    if badge in (Badge.COMEBACK, Badge.PERFECT_CHALLENGE):
        return f"c{challenge_id}"
    return ""


def award_day(session: Session, challenge: Challenge, k: int, *, now: datetime, last_day: bool) -> None:
    """Every badge day ``k`` of ``challenge`` earns (called by its settlement, after the day's
    enrollment updates)."""
    award = _Awards(session, challenge, k, now)
    award.first_check_in()
    award.risers()
    if k > 0:
        award.runs()
    if last_day:
        award.perfect()
    award.tell(challenge)


class _Awards:
    def __init__(self, session: Session, challenge: Challenge, k: int, now: datetime):
        self.session = session
        self.ch = challenge.id
        self.k = k
        self.now = now

    def _today(self):
        c = CheckIn.__table__
        return and_(c.c.challenge_id == self.ch, c.c.day_index == self.k, c.c.voided_at.is_(None))

    def _columns(self, member_id, badge: Badge, scope=None):
        return (
            member_id.label("member_id"),
            literal(badge.value, String).label("kind"),
            (scope if scope is not None else literal(scope_of(badge, self.ch, self.k), String)).label(
                "scope"
            ),
            literal(self.ch, BigInteger).label("challenge_id"),
            literal(self.k, Integer).label("day_index"),
            literal(self.now, BadgeAward.__table__.c.awarded_at.type).label("awarded_at"),
        )

    def _not_yet(self, member_id, badge: Badge):
        """Skips members who hold it already (cheaper than a conflict); the key still decides."""
        b = BadgeAward.__table__
        return ~exists().where(
            b.c.member_id == member_id,
            b.c.kind == badge.value,
            b.c.scope == scope_of(badge, self.ch, self.k),
        )

    def _insert(self, rows) -> None:
        source = rows.subquery("awarded")
        # member order (see the module); SQLite parses INSERT ... SELECT ... ON CONFLICT only
        # when the SELECT has a WHERE
        picked = select(*(source.c[name] for name in COLUMNS)).where(true()).order_by(source.c.member_id)
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(BadgeAward.__table__)
            .from_select(list(COLUMNS), picked)
            .on_conflict_do_nothing(index_elements=["member_id", "kind", "scope"])
        )
        self.session.execute(statement)

    def tell(self, challenge: Challenge) -> None:
        """One notification per badge this day awarded: the rows with its challenge, day and
        instant are this transaction's own (a racing settlement writes another challenge's)."""
        b = BadgeAward.__table__
        rows = select(
            b.c.member_id.label("recipient_id"),
            (literal(NOTICE_PREFIX, String) + b.c.kind).label("kind"),
            sql.text_key("badge", b.c.id).label("dedupe_key"),
            sql.json_object(
                self.session, challenge_id=self.ch, challenge=challenge.title, day_index=self.k
            ).label("params"),
        ).where(
            b.c.challenge_id == self.ch,
            b.c.day_index == self.k,
            b.c.awarded_at == self.now,
            # every member earns it on their first day, beside that day's own notice: telling it
            # too would double day 0's notifications (docs/benchmarks.md, "Badges")
            b.c.kind != Badge.FIRST_CHECK_IN.value,
        )
        notify_from_select(self.session, rows, kinds=NOTICE_KINDS, now=self.now)

    # -- the kinds --

    def first_check_in(self) -> None:
        c, e = CheckIn.__table__, Enrollment.__table__
        rows = (
            select(*self._columns(e.c.member_id, Badge.FIRST_CHECK_IN))
            .select_from(c.join(e, e.c.id == c.c.enrollment_id))
            .where(self._today(), self._not_yet(e.c.member_id, Badge.FIRST_CHECK_IN))
        )
        self._insert(rows)

    def risers(self) -> None:
        """Ranks 1-3 of the day, exactly: the three earliest valid check-ins (a top-N, not a sort
        of the day), numbered in SPEC order."""
        c, e = CheckIn.__table__, Enrollment.__table__
        first = (
            select(c.c.enrollment_id, c.c.checked_in_at)
            .where(self._today())
            .order_by(c.c.checked_in_at, c.c.enrollment_id)
            .limit(3)
            .subquery("first")
        )
        ranked = select(
            first.c.enrollment_id,
            split_sql.winner_rank(
                checked_in_at=first.c.checked_in_at, enrollment_id=first.c.enrollment_id
            ).label("rank"),
        ).subquery("ranked")
        selects = [
            select(*self._columns(e.c.member_id, badge))
            .select_from(ranked.join(e, e.c.id == ranked.c.enrollment_id))
            .where(ranked.c.rank <= best)
            for best, badge in RISER_BADGES
        ]
        self._insert(union_all(*selects))

    def runs(self) -> None:
        """Streak badges and comebacks, from the run each of the day's valid check-ins ends.

        Gaps and islands: the days of an enrollment that are covered (a valid check-in, a rest
        day, an excused day), numbered in order; a run is a stretch where day - number is
        constant. The run's length counts its check-ins only (neutral days bridge, not add).
        """
        c, e, r, x = CheckIn.__table__, Enrollment.__table__, RestDay.__table__, ExcusedDay.__table__
        today = select(c.c.enrollment_id).where(self._today())
        upto = self.k
        covered = [
            select(c.c.enrollment_id, c.c.day_index, literal(1, Integer).label("checked")).where(
                c.c.challenge_id == self.ch,
                c.c.day_index <= upto,
                c.c.voided_at.is_(None),
                c.c.enrollment_id.in_(today),
            ),
            select(r.c.enrollment_id, r.c.day_index, literal(0, Integer)).where(
                r.c.challenge_id == self.ch, r.c.day_index <= upto, r.c.enrollment_id.in_(today)
            ),
            # the challenge's excused days (few), for each enrollment of the day
            select(c.c.enrollment_id, x.c.day_index, literal(0, Integer))
            .select_from(c.join(x, x.c.challenge_id == c.c.challenge_id))
            .where(self._today(), x.c.day_index < upto),
        ]
        both = union_all(*covered).subquery("covered")
        days = (
            select(both.c.enrollment_id, both.c.day_index, func.max(both.c.checked).label("checked"))
            .group_by(both.c.enrollment_id, both.c.day_index)
            .subquery("days")
        )
        islands = select(
            days.c.enrollment_id,
            days.c.day_index,
            days.c.checked,
            (
                days.c.day_index
                - func.row_number().over(partition_by=days.c.enrollment_id, order_by=days.c.day_index)
            ).label("island"),
        ).cte("islands")
        # the run ending today, and every valid check-in of the enrollment so far
        ending = islands.alias("ending")
        runs = (
            select(
                islands.c.enrollment_id,
                func.sum(case((islands.c.island == ending.c.island, islands.c.checked), else_=0)).label(
                    "run"
                ),
                func.sum(islands.c.checked).label("total"),
            )
            .select_from(
                islands.join(
                    ending,
                    and_(ending.c.enrollment_id == islands.c.enrollment_id, ending.c.day_index == upto),
                )
            )
            .group_by(islands.c.enrollment_id)
            .cte("runs")
        )
        selects = [
            select(*self._columns(e.c.member_id, badge))
            .select_from(runs.join(e, e.c.id == runs.c.enrollment_id))
            .where(runs.c.run >= needed, self._not_yet(e.c.member_id, badge))
            for needed, badge in STREAK_BADGES
        ]
        selects.append(
            select(*self._columns(e.c.member_id, Badge.COMEBACK))
            .select_from(runs.join(e, e.c.id == runs.c.enrollment_id))
            .where(runs.c.run == 1, runs.c.total > 1)
        )
        self._insert(union_all(*selects))

    def perfect(self) -> None:
        """The finishers of the challenge (completed today) without a miss: every day that was
        not a rest day or excused had a valid check-in (settlement counted each miss)."""
        e = Enrollment.__table__
        rows = select(*self._columns(e.c.member_id, Badge.PERFECT_CHALLENGE)).where(
            e.c.challenge_id == self.ch,
            e.c.status == EnrollmentStatus.COMPLETED,
            e.c.ended_day_index == self.k,
            e.c.misses == 0,
        )
        self._insert(rows)
