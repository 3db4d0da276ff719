"""Badges awarded by the day's settlement (habits.services.badges), on worked cases: each one
once, for the day, challenge or life it is for. Asia/Shanghai, window 05:00-07:00, day k due at
07:10 local (tests.factories)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from habits.domain.levels import Badge
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import BadgeAward, Challenge, CheckIn, ExcusedDay, Notification, RestDay
from habits.notify.render import render
from habits.services import badges as awarding
from habits.services.checkins import standing
from tests.factories import at_local, make_challenge, make_checkin, make_enrollment, make_member
from tests.settlement.helpers import sweep
from tests.timehelpers import travel

S = EnrollmentStatus


def enroll(session, ch, *members):
    with travel(at_local(ch, -1, "12:00")):
        return [make_enrollment(session, ch, m, status=S.ACTIVE) for m in members]


def settle(session, ch, k):
    with travel(at_local(ch, k, "07:10")):
        sweep(session, at_local(ch, k, "07:10"))


def badges(session, member=None) -> set[tuple]:
    query = select(BadgeAward.member_id, BadgeAward.kind, BadgeAward.challenge_id, BadgeAward.day_index)
    if member is not None:
        query = query.where(BadgeAward.member_id == member.id)
    return {tuple(row) for row in session.execute(query)}


def kinds(session, member) -> list[str]:
    return sorted(kind for _, kind, _, _ in badges(session, member))


def check_in_days(session, enrollment, days, hhmm="05:30"):
    ch_id = enrollment.challenge_id
    for k in days:
        make_checkin(session, enrollment, k, at=at_local(_challenge(session, ch_id), k, hhmm))


def _challenge(session, challenge_id):
    return session.get(Challenge, challenge_id)


def test_first_check_in_once_ever_across_challenges(session):
    a = make_challenge(session, days=3)
    b = make_challenge(session, days=3)
    m, other = make_member(session), make_member(session)
    ea, eo = enroll(session, a, m, other)
    (eb,) = enroll(session, b, m)
    make_checkin(session, ea, 0, at=at_local(a, 0, "05:30"))
    make_checkin(session, eb, 0, at=at_local(b, 0, "05:40"))
    settle(session, a, 0)  # settles both challenges' day 0
    make_checkin(session, ea, 1, at=at_local(a, 1, "05:30"))
    settle(session, a, 1)
    firsts = [row for row in badges(session, m) if row[1] == Badge.FIRST_CHECK_IN]
    assert len(firsts) == 1 and firsts[0][3] == 0
    assert Badge.FIRST_CHECK_IN not in kinds(session, other)  # never checked in


def test_risers_are_the_ranks_the_taps_were_told(session):
    """The rank of the day is the arrival order (standing.py), voided check-ins left out: the
    badges go to the ranks the check-ins' standing gives, not to the earliest clocks."""
    ch = make_challenge(session, days=3, max_misses=0)
    members = [make_member(session) for _ in range(6)]
    es = enroll(session, ch, *members)
    # es[0] arrived first but was voided: not a valid check-in, no rank
    make_checkin(session, es[0], 0, at=at_local(ch, 0, "05:00"), voided_at=at_local(ch, 0, "06:00"))
    # es[2] arrived before es[1], though its clock read later: arrival decides
    make_checkin(session, es[2], 0, at=at_local(ch, 0, "05:02"))
    make_checkin(session, es[1], 0, at=at_local(ch, 0, "05:01"))
    # es[3] eliminated earlier, still checking in (no money): its check-in counts for the rank
    es[3].status = S.ELIMINATED
    session.commit()
    make_checkin(session, es[3], 0, at=at_local(ch, 0, "05:03"), counts_for_money=False)
    make_checkin(session, es[4], 0, at=at_local(ch, 0, "05:03"))
    make_checkin(session, es[5], 0, at=at_local(ch, 0, "05:04"))
    told = {
        checkin.enrollment_id: standing.standing_of(
            session, checkin, now=at_local(ch, 0, "06:30")
        ).rank_of_day
        for checkin in session.scalars(select(CheckIn).where(CheckIn.challenge_id == ch.id))
    }
    settle(session, ch, 0)
    day = {(m, kind) for m, kind, c, k in badges(session) if kind in (Badge.EARLIEST_RISER, Badge.TOP_THREE)}
    ids = [m.id for m in members]
    assert day == {
        (ids[2], Badge.EARLIEST_RISER),
        (ids[2], Badge.TOP_THREE),
        (ids[1], Badge.TOP_THREE),
        (ids[3], Badge.TOP_THREE),
    }
    assert [told[e.id] for e in (es[2], es[1], es[3], es[4])] == [1, 2, 3, 4]
    assert told[es[0].id] is None
    # the next day's risers are another day's badges
    make_checkin(session, es[5], 1, at=at_local(ch, 1, "05:00"))
    settle(session, ch, 1)
    assert (ids[5], Badge.EARLIEST_RISER, ch.id, 1) in badges(session)


def test_streak_badges_count_the_run_rest_and_excused_days_bridge(session):
    ch = make_challenge(session, days=10, max_misses=5)
    steady, rested, missed = (make_member(session) for _ in range(3))
    e_steady, e_rested, e_missed = enroll(session, ch, steady, rested, missed)
    check_in_days(session, e_steady, range(0, 10))
    # a rest day (3) and an excused day (5) neither break nor add: 7 check-ins by day 8
    session.add(
        RestDay(
            enrollment_id=e_rested.id, challenge_id=ch.id, day_index=3, declared_at=at_local(ch, 2, "12:00")
        )
    )
    session.add(
        ExcusedDay(challenge_id=ch.id, day_index=5, reason="storm", created_at=at_local(ch, 5, "04:00"))
    )
    session.commit()
    check_in_days(session, e_rested, [0, 1, 2, 4, 6, 7, 8])
    # a miss on day 3: the runs are 3, then 6 (4-9)
    check_in_days(session, e_missed, [0, 1, 2, 4, 5, 6, 7, 8, 9])
    for k in range(6):
        settle(session, ch, k)
    assert Badge.STREAK_7 not in kinds(session, steady)
    settle(session, ch, 6)
    assert (steady.id, Badge.STREAK_7, ch.id, 6) in badges(session)
    settle(session, ch, 7)
    assert Badge.STREAK_7 not in kinds(session, rested)
    settle(session, ch, 8)
    assert (rested.id, Badge.STREAK_7, ch.id, 8) in badges(session)
    settle(session, ch, 9)
    assert Badge.STREAK_7 not in kinds(session, missed)
    assert [kind for kind in kinds(session, steady) if kind == Badge.STREAK_7] == [Badge.STREAK_7]
    assert Badge.STREAK_21 not in kinds(session, steady)


def test_comeback_after_a_miss_once_per_challenge(session):
    ch = make_challenge(session, days=7, max_misses=5)
    m, starter = make_member(session), make_member(session)
    e, late = enroll(session, ch, m, starter)
    check_in_days(session, e, [0, 2, 4])  # misses on days 1 and 3: two comebacks, one badge
    check_in_days(session, late, [3])  # a first run that starts late is not a comeback
    for k in range(5):
        settle(session, ch, k)
    comebacks = [row for row in badges(session, m) if row[1] == Badge.COMEBACK]
    assert comebacks == [(m.id, Badge.COMEBACK, ch.id, 2)]
    assert Badge.COMEBACK not in kinds(session, starter)


def test_perfect_challenge_for_finishers_without_a_miss(session):
    ch = make_challenge(session, days=3, max_misses=2)
    perfect, rested, missed, voided = (make_member(session) for _ in range(4))
    es = enroll(session, ch, perfect, rested, missed, voided)
    check_in_days(session, es[0], [0, 1, 2])
    session.add(
        RestDay(enrollment_id=es[1].id, challenge_id=ch.id, day_index=1, declared_at=at_local(ch, 0, "12:00"))
    )
    session.commit()
    check_in_days(session, es[1], [0, 2])
    check_in_days(session, es[2], [0, 2])
    check_in_days(session, es[3], [0, 2])
    make_checkin(session, es[3], 1, at=at_local(ch, 1, "05:30"), voided_at=at_local(ch, 1, "06:30"))
    for k in range(3):
        settle(session, ch, k)
    perfects = {m for m, kind, _, _ in badges(session) if kind == Badge.PERFECT_CHALLENGE}
    assert perfects == {perfect.id, rested.id}


def test_settling_again_awards_nothing_twice(session):
    """The awards are idempotent by their key: a second run over the same day inserts nothing."""
    ch = make_challenge(session, days=8, max_misses=2)
    m = make_member(session)
    (e,) = enroll(session, ch, m)
    check_in_days(session, e, range(8))
    for k in range(8):
        settle(session, ch, k)
    before = badges(session, m)
    for k in range(8):
        awarding.award_day(session, ch, k, now=at_local(ch, 7, "08:00") + timedelta(days=1), last_day=k == 7)
    session.commit()
    assert badges(session, m) == before
    assert sorted(kind for _, kind, _, _ in before) == sorted(
        [Badge.FIRST_CHECK_IN, Badge.STREAK_7, Badge.PERFECT_CHALLENGE]
        + [Badge.EARLIEST_RISER, Badge.TOP_THREE] * 8
    )


def test_a_days_badges_ride_on_the_days_notice(app, session):
    ch = make_challenge(session, days=2, max_misses=0)
    m, other, out = make_member(session), make_member(session), make_member(session)
    e, eo, ex = enroll(session, ch, m, other, out)
    check_in_days(session, e, [0, 1])
    check_in_days(session, eo, [0, 1], hhmm="05:40")
    settle(session, ch, 0)  # ex missed: eliminated, checks in on day 1 without money
    make_checkin(session, ex, 1, at=at_local(ch, 1, "05:50"), counts_for_money=False)
    settle(session, ch, 1)

    def told(member):
        return session.execute(
            select(Notification.kind, Notification.params)
            .where(Notification.recipient_id == member.id)
            .order_by(Notification.id)
        ).all()

    assert [kind for kind, _ in told(m)] == ["day_won", "challenge_finished"]
    assert [params["badges"] for _, params in told(m)] == [
        "earliest_riser,top_three",
        "earliest_riser,top_three,perfect_challenge",
    ]
    assert [params["badges"] for _, params in told(other)] == ["top_three", "top_three,perfect_challenge"]
    # no notice of the day for the eliminated member: the badge is told on its own
    assert told(out)[-1] == ("badge_top_three", {**told(out)[-1][1], "badges": "top_three"})
    kind, params = told(m)[1]
    with app.app_context():
        words = render(kind, params, locale="en", timezone="UTC")
        zh = render(kind, params, locale="zh-CN", timezone="UTC")
        plain = render("day_won", {**told(m)[0][1], "badges": None}, locale="en", timezone="UTC")
    assert words.body.endswith(" New badges: Earliest riser, Top three, Perfect challenge.")
    assert zh.body.endswith("新徽章：最早起床、前三名、完美挑战。")
    assert "badges" not in plain.body
