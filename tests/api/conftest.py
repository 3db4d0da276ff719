"""A small world for API tests: a community with its organizer, a co-organizer, two members
with active enrollments in one challenge (Asia/Shanghai, 05:00-07:00, from 2026-03-02), and a
bearer token for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from habits.models import Challenge, Community, Enrollment, Member, Role
from tests.api.helpers import auth_headers, enrollment_row
from tests.factories import add_to_community, make_challenge, make_community, make_member

#: tokens issued here live ten years from this instant: past every date the tests travel to
TOKEN_ISSUED_AT = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class World:
    organizer: Member
    co_organizer: Member
    owner: Member
    other: Member
    outsider: Member
    community: Community
    challenge: Challenge
    owner_enrollment: Enrollment
    other_enrollment: Enrollment
    headers: dict[str, dict]

    def as_(self, who: str) -> dict:
        """Request headers for ``who`` (organizer, co_organizer, owner, other, outsider, anonymous)."""
        return self.headers.get(who, {})


@pytest.fixture
def world(session) -> World:
    organizer, co_organizer, owner, other, outsider = (
        make_member(session, display_name=name) for name in ("Org", "Co", "Owner", "Other", "Outsider")
    )
    community = make_community(session, organizer)
    add_to_community(session, community, co_organizer, Role.CO_ORGANIZER)
    add_to_community(session, community, owner)
    add_to_community(session, community, other)
    challenge = make_challenge(session, community, requires_code_word=False)
    long_lived = {"now": TOKEN_ISSUED_AT, "ttl_days": 3650}
    headers = {
        name: auth_headers(session, member, **long_lived)
        for name, member in [
            ("organizer", organizer),
            ("co_organizer", co_organizer),
            ("owner", owner),
            ("other", other),
            ("outsider", outsider),
        ]
    }
    return World(
        organizer=organizer,
        co_organizer=co_organizer,
        owner=owner,
        other=other,
        outsider=outsider,
        community=community,
        challenge=challenge,
        owner_enrollment=enrollment_row(session, challenge, owner),
        other_enrollment=enrollment_row(session, challenge, other),
        headers=headers,
    )
