"""Challenges that start tomorrow: their members are told once, the day before, from
``ANNOUNCE_HOUR`` in the challenge's own zone (where its dates live)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.models import Challenge, ChallengeStatus
from habits.services.notifications import events

#: the local hour (challenge's zone) from which the day-before notice goes out
ANNOUNCE_HOUR = 9


def announce_starting_challenges(session: Session, *, now: datetime) -> list[int]:
    """Tell the members of each challenge whose start date is tomorrow (challenge's zone);
    the ids of the challenges looked at. Once per enrollment (dedupe key)."""
    # day 0 opens within two days: a cheap bound on the index before the zones are consulted
    candidates = session.scalars(
        select(Challenge).where(
            Challenge.status == ChallengeStatus.ENROLLING,
            Challenge.day_zero_opens_at > now,
            Challenge.day_zero_opens_at <= now + timedelta(days=2),
        )
    ).all()
    told = []
    for challenge in candidates:
        local = now.astimezone(challenge.schedule().zone)
        if local.date() + timedelta(days=1) == challenge.start_date and local.time() >= time(ANNOUNCE_HOUR):
            events.challenge_starts_tomorrow(session, challenge, now=now)
            told.append(challenge.id)
    return told
