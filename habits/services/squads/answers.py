"""The answers squads are matched on, per enrollment: the one place that reads them.

Today a member's region setting (``members.region``) stands for the region, and their time
zone's area (``Asia/Shanghai`` -> ``Asia``) when no region is set; age band and goal come from
the registration form's answers once communities have one (then this reads the member's tags).
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from habits.models import Enrollment, Member


def matching_answers(session: Session, enrollment_ids: Select) -> dict[int, dict[str, str | None]]:
    """{enrollment id: {"region", "age_band", "goal"}} for the enrollments ``enrollment_ids`` selects."""
    rows = session.execute(
        select(Enrollment.id, Member.region, Member.timezone)
        .join(Member, Member.id == Enrollment.member_id)
        .where(Enrollment.id.in_(enrollment_ids))
    )
    return {
        enrollment_id: {"region": region or _zone_area(zone), "age_band": None, "goal": None}
        for enrollment_id, region, zone in rows
    }


def _zone_area(zone: str | None) -> str | None:
    if not zone or "/" not in zone:
        return None
    return zone.split("/", 1)[0]
