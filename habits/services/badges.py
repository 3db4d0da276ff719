"""Awarding badges, set-based, in the settlement of each day (habits.domain.levels: the kinds).

Every badge is awarded when a day is settled, in the day's own transaction, after its outcomes:
the day's check-ins are final then (voids and appeals are done once the day is due), so a rank
or a run is exact, and the wake-up tap writes nothing more. Each kind is ONE
``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` over the day's valid check-ins (a day of a
hundred thousand is a few statements, never a loop over members); the unique key
(member, kind, scope) holds "once" when two settlements (two challenges of one member) race.
Rows go in member order, so two racing inserts take their key locks in the same order and
wait for each other instead of deadlocking.

- ``first_check_in`` (once ever): the day's valid check-ins;
- the streak badges (once ever) and ``comeback`` (once per challenge): from each enrollment's
  streak as the day's enrollment update left it (``enrollments.streak``, kept by
  ``settlement.outcomes.DayWork.update_streaks``: one row a member, never the history);
- ``earliest_riser`` and ``top_three`` (once per challenge day): the rank of the day, the one each
  tap was told (``checkins.standing``: arrival order, voided check-ins left out); check-ins of
  eliminated or withdrawn members count;
- ``perfect_challenge`` (once per challenge): on the last day, the finishers without a miss.

The day's badges are told on the member's notice of the day (its ``badges`` param,
``settlement.notices``); members without one (eliminated or withdrawn earlier) get one
notification of their own (``notices``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
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
from habits.models import BadgeAward, Challenge, CheckIn, Enrollment
from habits.services.checkins import standing
from habits.services.notifications import sql

#: a badge's notification kind is this prefix and the badge (notifications.kinds)
NOTICE_PREFIX = "badge_"
#: the kind of one notification for several badges of a day (param ``badges``: their values)
SEVERAL = "badges_earned"
NOTICE_KINDS = frozenset(
    {SEVERAL} | {NOTICE_PREFIX + badge.value for badge in Badge if badge != Badge.FIRST_CHECK_IN}
)
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


def earned_on(session: Session, challenge_id: int, k: int, *, now: datetime):
    """The badges each member earned on day ``k`` that are told (the first check-in is not: every
    member earns it on their first day, beside that day's own notice), as a subquery: member_id,
    n, kind (one of them), names (all, comma-separated: the ``badges`` param). The rows with the
    day's challenge, day and instant are this transaction's own (a racing settlement writes
    another challenge's)."""
    b = BadgeAward.__table__
    return (
        select(
            b.c.member_id,
            func.count().label("n"),
            func.min(b.c.kind).label("kind"),
            sql.joined(session, b.c.kind).label("names"),
        )
        .where(
            b.c.challenge_id == challenge_id,
            b.c.day_index == k,
            b.c.awarded_at == now,
            b.c.kind != Badge.FIRST_CHECK_IN.value,
        )
        .group_by(b.c.member_id)
        .subquery("earned")
    )


def notices(session: Session, challenge: Challenge, k: int, earned, *, told) -> Select:
    """The notification rows of the day's badges for the members who get no notice of the day
    (``told``: a select of those who do; theirs carries the badges as its ``badges`` param):
    members eliminated or withdrawn earlier, whose check-ins still count. One a member: the
    badge's own kind for one badge, ``badges_earned`` naming them all for several (a last day's
    finishers earn two each: docs/benchmarks.md, "Badges")."""
    kind = case(
        (earned.c.n == 1, literal(NOTICE_PREFIX, String) + earned.c.kind), else_=literal(SEVERAL, String)
    )
    return select(
        earned.c.member_id.label("recipient_id"),
        kind.label("kind"),
        sql.text_key("badges", earned.c.member_id, challenge.id, k).label("dedupe_key"),
        sql.json_object(
            session, challenge_id=challenge.id, challenge=challenge.title, day_index=k, badges=earned.c.names
        ).label("params"),
    ).where(earned.c.member_id.not_in(told))


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
        """Ranks 1-3 of the day, exactly: the three earliest valid check-ins by arrival (a top-N,
        not a sort of the day), ranked as their taps were told (``standing.first_of_day``)."""
        e = Enrollment.__table__
        ranked = standing.first_of_day(self.ch, self.k, 3)
        selects = [
            select(*self._columns(e.c.member_id, badge))
            .select_from(ranked.join(e, e.c.id == ranked.c.enrollment_id))
            .where(ranked.c.rank <= best)
            for best, badge in RISER_BADGES
        ]
        self._insert(union_all(*selects))

    def runs(self) -> None:
        """Streak badges and comebacks, from each enrollment's streak as this day's enrollment
        update left it (``outcomes.DayWork.update_streaks``): one row a member, never the history.

        A streak grows by one a day, so it equals a badge's number on the day it reaches it (rest
        and excused days keep it: the award is then refused by ``_not_yet``). A comeback is a
        streak of 1 begun today after an earlier valid check-in of the challenge (one probe of
        the check-ins' key, for those few).
        """
        c, e = CheckIn.__table__, Enrollment.__table__
        mine = e.c.challenge_id == self.ch
        selects = [
            select(*self._columns(e.c.member_id, badge)).where(
                mine, e.c.streak == needed, self._not_yet(e.c.member_id, badge)
            )
            for needed, badge in STREAK_BADGES
        ]
        today, earlier = c.alias("today"), c.alias("earlier")
        selects.append(
            select(*self._columns(e.c.member_id, Badge.COMEBACK)).where(
                mine,
                e.c.streak == 1,
                exists().where(
                    today.c.enrollment_id == e.c.id, today.c.day_index == self.k, today.c.voided_at.is_(None)
                ),
                exists().where(
                    earlier.c.enrollment_id == e.c.id,
                    earlier.c.day_index < self.k,
                    earlier.c.voided_at.is_(None),
                ),
            )
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
