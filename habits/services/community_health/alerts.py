"""The organizers' alert: the active share below the community's threshold two dates running.

Judged on dates that are over (today's share is still growing), after each refresh. Each
episode (a run of consecutive dates below) is told once: its row in ``community_health_alerts``
is keyed by its first date and inserted ON CONFLICT DO NOTHING, and only the scheduler whose
insert wrote the row notifies the organizers (an in-app notification and an e-mail through the
outbox), in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.domain.health import episodes_below
from habits.models import (
    ORGANIZING_ROLES,
    WHOLE_COMMUNITY,
    Community,
    CommunityDailyHealth,
    CommunityMembership,
    HealthAlert,
    Member,
    MembershipStatus,
)
from habits.services.community_health.counting import insert_for, local_date
from habits.services.community_health.refresh import TRAILING_DAYS
from habits.services.mail import Composer, mail_member
from habits.services.notifications.store import notify

#: how far back an episode's start is looked for
LOOK_BACK_DAYS = 62
KIND = "health_alert"


def percent(bps: int) -> str:
    """Basis points as people write a percentage: 500 -> "5", 750 -> "7.5"."""
    return f"{bps / 100:.2f}".rstrip("0").rstrip(".")


def organizers(session: Session, community_id: int) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .join(CommunityMembership, CommunityMembership.member_id == Member.id)
            .where(
                CommunityMembership.community_id == community_id,
                CommunityMembership.status == MembershipStatus.ACTIVE,
                CommunityMembership.role.in_(ORGANIZING_ROLES),
                Member.deleted_at.is_(None),
            )
            .order_by(Member.id)
        )
    )


def check_alerts(session: Session, community: Community, *, composer: Composer, now: datetime) -> list[date]:
    """Tell the organizers of each new episode below the threshold whose second date is recent;
    the episodes' first dates told now."""
    threshold = community.health_alert_bps
    if not threshold:
        return []
    today = local_date(community.timezone, now)
    d = CommunityDailyHealth
    rows = session.execute(
        select(d.day, d.members, d.active).where(
            d.community_id == community.id,
            d.squad_id == WHOLE_COMMUNITY,
            d.day < today,
            d.day >= today - timedelta(days=LOOK_BACK_DAYS),
        )
    ).all()
    recent = today - timedelta(days=TRAILING_DAYS + 1)
    told = []
    for episode in episodes_below([tuple(row) for row in rows], threshold):
        if episode.fired_on < recent:
            continue  # an episode from before the alert was set, or long told
        a = HealthAlert.__table__
        inserted = session.execute(
            insert_for(session, a)
            .values(
                community_id=community.id,
                squad_id=WHOLE_COMMUNITY,
                episode_start=episode.start,
                fired_on=episode.fired_on,
                threshold_bps=threshold,
                created_at=now,
            )
            .on_conflict_do_nothing()
            .returning(a.c.episode_start)
        ).first()
        if inserted is None:
            continue
        told.append(episode.start)
        params = {
            "community": community.name,
            "community_id": community.id,
            "threshold": percent(threshold),
            "since": episode.start.isoformat(),
        }
        for organizer in organizers(session, community.id):
            notify(
                session,
                recipient_id=organizer.id,
                kind=KIND,
                params=params,
                dedupe_key=f"{KIND}:{community.id}:{WHOLE_COMMUNITY}:{episode.start.isoformat()}:{organizer.id}",
                now=now,
            )
            mail_member(
                session,
                organizer,
                KIND,
                composer=composer,
                now=now,
                community=community,
                threshold=percent(threshold),
                since=episode.start,
            )
    session.flush()
    return told
