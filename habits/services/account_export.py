"""A member's own data, as one JSON document (``GET /api/v1/me/export`` and the account page's
download give the same document).

Everything is read for the member alone, by their id: the profile, the terms they accepted, their
communities (with their answers), enrollments (with the money each holds, from the ledger),
check-ins and rest days, the wallet statement (every entry), withdrawals and payouts. Instants
are RFC 3339 UTC, money integer minor units with a currency, days 0-based (SPEC's ``day_index``),
as everywhere in the API.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from habits.domain.instants import rfc3339_utc
from habits.models import (
    Challenge,
    CheckIn,
    Community,
    CommunityMembership,
    Enrollment,
    Member,
    MemberTag,
    Payout,
    RestDay,
)
from habits.models.payment import Withdrawal
from habits.services import terms
from habits.services.enrollments import enrollment_money
from habits.services.wallets import wallet_view

#: the document's shape; a client reading it checks this first
FORMAT = "streakpot-export/1"
#: wallet entries in one export: every one a member can have in years of daily use
MAX_WALLET_ENTRIES = 1_000_000


def _instant(value: datetime | None) -> str | None:
    return rfc3339_utc(value) if value is not None else None


def _profile(member: Member) -> dict:
    return {
        "id": member.id,
        "email": member.email,
        "email_verified_at": _instant(member.email_verified_at),
        "display_name": member.display_name,
        "timezone": member.timezone,
        "locale": member.locale,
        "created_at": _instant(member.created_at),
        "is_admin": bool(member.is_admin),
    }


def _memberships(session: Session, member: Member) -> list[dict]:
    rows = session.execute(
        select(CommunityMembership, Community.name)
        .join(Community, Community.id == CommunityMembership.community_id)
        .where(CommunityMembership.member_id == member.id)
        .order_by(CommunityMembership.id)
    ).all()
    tags: dict[int, list[str]] = {}
    for community_id, tag in session.execute(
        select(MemberTag.community_id, MemberTag.tag)
        .where(MemberTag.member_id == member.id)
        .order_by(MemberTag.tag)
    ):
        tags.setdefault(community_id, []).append(tag)
    return [
        {
            "community_id": membership.community_id,
            "community_name": name,
            "role": membership.role.value,
            "status": membership.status.value,
            "answers": {key: str(value) for key, value in (membership.answers or {}).items()},
            "tags": tags.get(membership.community_id, []),
            "joined_at": _instant(membership.joined_at),
        }
        for membership, name in rows
    ]


def _enrollments(session: Session, member: Member) -> list[dict]:
    rows = session.execute(
        select(Enrollment, Challenge.title)
        .join(Challenge, Challenge.id == Enrollment.challenge_id)
        .where(Enrollment.member_id == member.id)
        .order_by(Enrollment.id)
    ).all()
    views = []
    for enrollment, title in rows:
        money = enrollment_money(session, enrollment)
        views.append(
            {
                "id": enrollment.id,
                "challenge_id": enrollment.challenge_id,
                "challenge_title": title,
                "status": enrollment.status.value,
                "misses": enrollment.misses,
                "rest_days_used": enrollment.rest_days_used,
                "deposit_minor": enrollment.deposit_minor,
                "currency": enrollment.currency,
                "held_minor": money.get("held_minor", 0),
                "returned_minor": money.get("returned_minor", 0),
                "forfeited_minor": money.get("forfeited_minor", 0),
                "won_minor": money.get("won_minor", 0),
                "joined_at": _instant(enrollment.joined_at),
                "activated_at": _instant(enrollment.activated_at),
                "withdrew_at": _instant(enrollment.withdrew_at),
                "ended_day_index": enrollment.ended_day_index,
            }
        )
    return views


def _check_ins(session: Session, member: Member) -> list[dict]:
    rows = session.scalars(
        select(CheckIn)
        .join(Enrollment, Enrollment.id == CheckIn.enrollment_id)
        .where(Enrollment.member_id == member.id)
        .order_by(CheckIn.checked_in_at, CheckIn.id)
    ).all()
    return [
        {
            "id": checkin.id,
            "enrollment_id": checkin.enrollment_id,
            "challenge_id": checkin.challenge_id,
            "day_index": checkin.day_index,
            "checked_in_at": _instant(checkin.checked_in_at),
            "note": checkin.note,
            "value": checkin.value,
            # the photo itself: GET /api/v1/checkins/{id}/photo
            "has_photo": checkin.photo_path is not None,
            "source": checkin.source.value,
            "voided_at": _instant(checkin.voided_at),
            "void_reason": checkin.void_reason,
        }
        for checkin in rows
    ]


def _rest_days(session: Session, member: Member) -> list[dict]:
    rows = session.scalars(
        select(RestDay)
        .join(Enrollment, Enrollment.id == RestDay.enrollment_id)
        .where(Enrollment.member_id == member.id)
        .order_by(RestDay.enrollment_id, RestDay.day_index)
    ).all()
    return [
        {
            "enrollment_id": rest.enrollment_id,
            "day_index": rest.day_index,
            "declared_at": _instant(rest.declared_at),
        }
        for rest in rows
    ]


def _wallet(session: Session, member: Member, now: datetime) -> dict:
    view = wallet_view(session, member, page=1, per_page=MAX_WALLET_ENTRIES, now=now)
    return {
        "balances": [
            {"currency": b["currency"], "available_minor": b["available_minor"]} for b in view.balances
        ],
        "entries": [
            {
                "at": _instant(entry.at),
                "currency": entry.currency,
                "amount_minor": entry.amount_minor,
                "key": entry.key,
                "memo": entry.memo,
            }
            for entry in view.entries
        ],
    }


def _withdrawals(session: Session, member: Member) -> list[dict]:
    rows = session.scalars(
        select(Withdrawal).where(Withdrawal.member_id == member.id).order_by(Withdrawal.id)
    ).all()
    return [
        {
            "id": w.id,
            "currency": w.currency,
            "requested_minor": w.requested_minor,
            "refunded_minor": w.refunded_minor,
            "kept_minor": w.kept_minor,
            "note": w.note,
            "created_at": _instant(w.created_at),
        }
        for w in rows
    ]


def _payouts(session: Session, member: Member) -> list[dict]:
    rows = session.scalars(select(Payout).where(Payout.member_id == member.id).order_by(Payout.id)).all()
    return [
        {
            "id": p.id,
            "currency": p.currency,
            "amount_minor": p.amount_minor,
            "destination": p.destination,
            "status": p.status.value,
            "reason": p.reason,
            "reference": p.reference,
            "requested_at": _instant(p.requested_at),
            "decided_at": _instant(p.decided_at),
            "paid_at": _instant(p.paid_at),
        }
        for p in rows
    ]


def export_member_data(session: Session, member: Member, *, now: datetime) -> dict:
    """Everything Streakpot holds about ``member`` that is theirs, as JSON-ready values."""
    return {
        "format": FORMAT,
        "exported_at": _instant(now),
        "profile": _profile(member),
        "terms_acceptances": [
            {"version": a.version, "accepted_at": _instant(a.accepted_at)}
            for a in terms.acceptances_of(session, member.id)
        ],
        "memberships": _memberships(session, member),
        "enrollments": _enrollments(session, member),
        "check_ins": _check_ins(session, member),
        "rest_days": _rest_days(session, member),
        "wallet": _wallet(session, member, now),
        "withdrawals": _withdrawals(session, member),
        "payouts": _payouts(session, member),
    }
