"""The organizers' alert: the active share of the community, or of one of its squads, below the
community's threshold two dates running (one threshold for both; each squad's episodes are its own).

Judged on dates that are over (today's share is still growing), after each refresh. Each
episode (a run of consecutive dates below) is told once: its row in ``community_health_alerts``
is keyed by its first date and inserted ON CONFLICT DO NOTHING, and only the scheduler whose
insert wrote the row notifies the organizers (an in-app notification and an e-mail through the
outbox), in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.domain.health import Episode, episodes_below
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
from habits.services.community_health import squads
from habits.services.community_health.counting import insert_for, local_date
from habits.services.community_health.refresh import TRAILING_DAYS
from habits.services.mail import Composer, mail_member
from habits.services.notifications.store import notify

#: how far back an episode's start is looked for
LOOK_BACK_DAYS = 62
KIND = "health_alert"
#: a squad's episode (the same e-mail, naming the squad)
SQUAD_KIND = "health_alert_squad"


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


def check_alerts(
    session: Session, community: Community, *, composer: Composer, now: datetime
) -> list[tuple[int, date]]:
    """Tell the organizers of each new episode below the threshold, of the community and of each
    squad, whose second date is recent; ``(squad id, first date)`` of the episodes told now
    (squad id 0: the whole community)."""
    threshold = community.health_alert_bps
    if not threshold:
        return []
    today = local_date(community.timezone, now)
    d = CommunityDailyHealth
    rows = session.execute(
        select(d.squad_id, d.day, d.members, d.active).where(
            d.community_id == community.id,
            d.day < today,
            d.day >= today - timedelta(days=LOOK_BACK_DAYS),
        )
    ).all()
    by_squad: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
    for squad_id, day, members, active in rows:
        by_squad[squad_id].append((day, members, active))
    recent = today - timedelta(days=TRAILING_DAYS + 1)
    names = {choice.id: choice for choice in squads.community_squads(session, community.id, dissolved=True)}
    told = []
    for squad_id in sorted(by_squad):
        if squad_id != WHOLE_COMMUNITY and squad_id not in names:
            continue  # rows of a squad that is gone
        for episode in episodes_below(by_squad[squad_id], threshold):
            if episode.fired_on < recent:
                continue  # an episode from before the alert was set, or long told
            if _tell(session, community, squad_id, names.get(squad_id), episode, composer=composer, now=now):
                told.append((squad_id, episode.start))
    session.flush()
    return told


def _tell(
    session: Session,
    community: Community,
    squad_id: int,
    squad: squads.SquadChoice | None,
    episode: Episode,
    *,
    composer: Composer,
    now: datetime,
) -> bool:
    """Record the episode (once) and tell every organizer; False when it was told before."""
    threshold = community.health_alert_bps
    a = HealthAlert.__table__
    inserted = session.execute(
        insert_for(session, a)
        .values(
            community_id=community.id,
            squad_id=squad_id,
            episode_start=episode.start,
            fired_on=episode.fired_on,
            threshold_bps=threshold,
            created_at=now,
        )
        .on_conflict_do_nothing()
        .returning(a.c.episode_start)
    ).first()
    if inserted is None:
        return False
    kind = KIND if squad_id == WHOLE_COMMUNITY else SQUAD_KIND
    params = {
        "community": community.name,
        "community_id": community.id,
        "threshold": percent(threshold),
        "since": episode.start.isoformat(),
    }
    if squad is not None:
        params |= {"squad_id": squad.id, "squad": squad.number, "challenge": squad.challenge_title}
    for organizer in organizers(session, community.id):
        notify(
            session,
            recipient_id=organizer.id,
            kind=kind,
            params=params,
            dedupe_key=f"{KIND}:{community.id}:{squad_id}:{episode.start.isoformat()}:{organizer.id}",
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
            squad=squad,
        )
    return True
