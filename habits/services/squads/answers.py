"""The answers squads are matched on, per enrollment: the one place that reads them.

A community's registration form (habits.services.entry) holds them, by the field keys below: an
organizer who wants squads matched by place, age and goal names the form's fields so (the join
page's editor and the API take any key; these are the ones matching reads). Where the form has no
place field, the member's region setting (``members.region``) stands for it, then their time
zone's area (``Asia/Shanghai`` -> ``Asia``). Answers are compared case- and space-insensitively.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from habits.models import Challenge, CommunityMembership, Enrollment, Member

#: what matching reads -> the registration form's keys it is read from, first found wins
MATCHED_BY: dict[str, tuple[str, ...]] = {
    "region": ("city", "region"),
    "age_band": ("age_band", "age"),
    "goal": ("goal",),
}


def matching_answers(session: Session, enrollment_ids: Select) -> dict[int, dict[str, str | None]]:
    """{enrollment id: {"region", "age_band", "goal"}} for the enrollments ``enrollment_ids`` selects."""
    rows = session.execute(
        select(Enrollment.id, Member.region, Member.timezone, CommunityMembership.answers)
        .join(Member, Member.id == Enrollment.member_id)
        .join(Challenge, Challenge.id == Enrollment.challenge_id)
        .outerjoin(
            CommunityMembership,
            and_(
                CommunityMembership.community_id == Challenge.community_id,
                CommunityMembership.member_id == Enrollment.member_id,
            ),
        )
        .where(Enrollment.id.in_(enrollment_ids))
    )
    found = {}
    for enrollment_id, region, zone, answers in rows:
        given = {name: _answer(answers, keys) for name, keys in MATCHED_BY.items()}
        given["region"] = given["region"] or _normal(region) or _zone_area(zone)
        found[enrollment_id] = given
    return found


def _answer(answers, keys: tuple[str, ...]) -> str | None:
    if not isinstance(answers, dict):
        return None
    for key in keys:
        value = _normal(answers.get(key))
        if value:
            return value
    return None


def _normal(value) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split()).casefold()
    return text or None


def _zone_area(zone: str | None) -> str | None:
    if not zone or "/" not in zone:
        return None
    return zone.split("/", 1)[0].casefold()
