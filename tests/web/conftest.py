"""A small world for the page tests: an organizer's community with a 7-day challenge
(Asia/Shanghai, 05:00-07:00, from 2026-03-02), a member with an active (funded) enrollment, a
member of the community without one, and an outsider."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Challenge, Community, Enrollment, Member
from tests.factories import add_to_community, make_challenge, make_community, make_enrollment, make_member


@dataclass
class World:
    organizer: Member
    member: Member
    bystander: Member
    outsider: Member
    community: Community
    challenge: Challenge
    enrollment: Enrollment


@pytest.fixture
def world(session) -> World:
    organizer = make_member(session, display_name="Olivia Organizer")
    member = make_member(session, display_name="Mei Member")
    bystander = make_member(session, display_name="Ben Bystander")
    outsider = make_member(session, display_name="Otto Outsider")
    community = make_community(session, organizer, name="Sunrise Club")
    add_to_community(session, community, member)
    add_to_community(session, community, bystander)
    challenge = make_challenge(session, community, title="Rise by seven", value_label="km")
    enrollment = make_enrollment(session, challenge, member, status=EnrollmentStatus.ACTIVE)
    return World(organizer, member, bystander, outsider, community, challenge, enrollment)
