"""Squads are matched on the community's registration answers (habits/services/squads/answers.py):
members who gave the same city, whatever its case and spaces, share a squad when room allows."""

from __future__ import annotations

from sqlalchemy import select

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import CommunityMembership, SquadMember
from habits.services.squads import placing
from tests.factories import at_local, make_challenge, make_community, make_enrollment, make_member

CITY_FORM = [{"key": "city", "label": "City", "kind": "text", "required": True}]


def test_members_of_one_city_share_a_squad(session):
    community = make_community(session, entry_form=CITY_FORM)
    challenge = make_challenge(session, community, squad_size=3)
    cities = ["Berlin", "Lisbon", "berlin ", "LISBON", "Berlin", " lisbon"]
    city_of = {}
    for city in cities:
        member = make_member(session, region="US")  # the region setting loses to the form's answer
        membership = {"community_id": community.id, "member_id": member.id, "joined_at": community.created_at}
        session.add(CommunityMembership(**membership, answers={"city": city}))
        enrollment = make_enrollment(session, challenge, member, status=EnrollmentStatus.ACTIVE)
        city_of[enrollment.id] = city.strip().casefold()
    session.flush()
    placing.place_at_day_zero(session, challenge, now=at_local(challenge, 0, "05:00"))
    squads: dict[int, set[str]] = {}
    for squad_id, enrollment_id in session.execute(
        select(SquadMember.squad_id, SquadMember.enrollment_id).where(
            SquadMember.challenge_id == challenge.id
        )
    ):
        squads.setdefault(squad_id, set()).add(city_of[enrollment_id])
    assert sorted(sorted(found) for found in squads.values()) == [["berlin"], ["lisbon"]]
