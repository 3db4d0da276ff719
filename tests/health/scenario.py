"""A small community whose health figures are worked out by hand (tests/health/test_figures.py).

Zone Asia/Shanghai (UTC+8); 2026-03-01 is a Sunday. Everything below is local time.

- created 03-01 08:00 by Org (joins then); Ann joins 03-01 10:00, Bo 03-01 12:00, Cy 03-02 09:00,
  Di 03-03 09:00 and leaves 03-05 15:00; Pat asks to join 03-02 and waits for approval (never counted).
- one 60-day challenge from 03-02; check-ins (their instants decide the date, not the day index):
  Ann 03-02, 03-03, 03-08, 03-28; Bo 03-02 (voided), 03-04 (stamped 03-03 22:00 UTC: a
  different date in UTC); Cy 03-03, 03-09; Di 03-04, 03-06 (after leaving).
- a second, 3-day challenge whose three settled days are given as rows (figures in ``DAYS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from habits.models import (
    Community,
    CommunityMembership,
    DaySettlement,
    DaySettlementStatus,
    Member,
    MembershipStatus,
    Role,
    Split,
)
from tests.api.helpers import enrollment_row
from tests.factories import make_challenge, make_checkin, make_community, make_member
from tests.timehelpers import local

ZONE = "Asia/Shanghai"


def at(day: int, hhmm: str, month: int = 3) -> datetime:
    return local(ZONE, date(2026, month, day), hhmm)


#: the 3-day challenge's settled days: (status, winners, rest_days, misses, eliminated, withdrawn)
DAYS = [
    (DaySettlementStatus.SETTLED, 3, 1, 1, 1, 0),
    (DaySettlementStatus.SETTLED, 2, 0, 1, 0, 1),
    (DaySettlementStatus.EXCUSED, 0, 3, 0, 0, 0),
]


@dataclass
class Scenario:
    community: Community
    org: Member
    ann: Member
    bo: Member
    cy: Member
    di: Member
    pat: Member
    short_id: int


def build(session) -> Scenario:
    org = make_member(session, display_name="Org", timezone=ZONE)
    community = make_community(session, org, created_at=at(1, "08:00"), timezone=ZONE)
    session.query(CommunityMembership).filter_by(community_id=community.id).update(
        {"joined_at": at(1, "08:00")}
    )
    people = {}
    for name, joined in (
        ("Ann", at(1, "10:00")),
        ("Bo", at(1, "12:00")),
        ("Cy", at(2, "09:00")),
        ("Di", at(3, "09:00")),
    ):
        member = make_member(session, display_name=name)
        session.add(
            CommunityMembership(
                community_id=community.id, member_id=member.id, role=Role.MEMBER, joined_at=joined, answers=[]
            )
        )
        people[name] = member
    pat = make_member(session, display_name="=Pat")
    session.add(
        CommunityMembership(
            community_id=community.id,
            member_id=pat.id,
            status=MembershipStatus.PENDING,
            joined_at=at(2, "10:00"),
            answers=[],
        )
    )
    session.commit()
    di = (
        session.query(CommunityMembership)
        .filter_by(community_id=community.id, member_id=people["Di"].id)
        .one()
    )
    di.status, di.left_at = MembershipStatus.LEFT, at(5, "15:00")
    challenge = make_challenge(
        session, community, timezone=ZONE, start_date=date(2026, 3, 2), days=60, deposit_minor=6000
    )
    enrolled = {name: enrollment_row(session, challenge, member) for name, member in people.items()}
    session.commit()

    def check(name: str, instant: datetime, **extra) -> None:
        day_index = (instant.astimezone(UTC).date() - date(2026, 3, 1)).days  # any distinct index
        make_checkin(session, enrolled[name], day_index, at=instant, **extra)

    check("Ann", at(2, "06:00"))
    check("Ann", at(3, "06:00"))
    check("Ann", at(8, "06:00"))
    check("Ann", at(28, "06:00"))
    check("Bo", at(2, "06:10"), voided_at=at(2, "06:30"), void_reason="old photo")
    check("Bo", datetime(2026, 3, 3, 22, 0, tzinfo=UTC))  # 03-04 06:00 in Shanghai
    check("Cy", at(3, "06:30"))
    check("Cy", at(9, "06:00"))
    check("Di", at(4, "06:00"))
    check("Di", at(6, "06:00"))

    short = make_challenge(
        session, community, timezone=ZONE, start_date=date(2026, 3, 10), days=3, deposit_minor=3000
    )
    carried = 0
    for k, (status, winners, rest, misses, eliminated, withdrawn) in enumerate(DAYS):
        forfeited = 1000 * (misses + withdrawn) + 1000 * eliminated + 1000 * withdrawn
        pot = carried + forfeited
        fee = pot // 10 if winners and status == DaySettlementStatus.SETTLED else 0
        split = pot - fee if winners and status == DaySettlementStatus.SETTLED else 0
        carried = pot - fee - split
        session.add(
            DaySettlement(
                challenge_id=short.id, day_index=k, status=status, currency="CNY", stake_minor=1000,
                carried_in_minor=pot - forfeited, forfeited_minor=forfeited, pot_minor=pot, fee_minor=fee,
                split_minor=split, carried_minor=carried, split=Split.EQUAL, winners=winners, rest_days=rest,
                misses=misses, eliminated=eliminated, withdrawn=withdrawn, settled_at=at(10 + k, "08:00"),
            )
        )  # fmt: skip
    session.commit()
    return Scenario(community, org, people["Ann"], people["Bo"], people["Cy"], people["Di"], pat, short.id)
