"""Reading payouts: a member's own with each decision, the administrators' queue, the CSV of
approved payouts waiting to be paid, and the paid ones the operator matches with their bank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from habits.domain import currencies
from habits.domain.instants import rfc3339_utc
from habits.domain.payouts import IN_PAYOUTS_PENDING, PayoutStatus
from habits.models import Member
from habits.models.payout import Payout, PayoutEvent
from habits.services.errors import NotFound
from habits.services.site_admins import require_site_admin


@dataclass(frozen=True)
class PayoutRecord:
    payout: Payout
    #: the audit log of this payout, oldest first
    events: list[PayoutEvent]
    member_name: str = ""
    member_email: str = ""


@dataclass(frozen=True)
class PayoutPage:
    items: list[PayoutRecord]
    total: int
    page: int
    per_page: int


def _events(session: Session, payout_ids: list[int]) -> dict[int, list[PayoutEvent]]:
    found: dict[int, list[PayoutEvent]] = {payout_id: [] for payout_id in payout_ids}
    if payout_ids:
        query = select(PayoutEvent).where(PayoutEvent.payout_id.in_(payout_ids)).order_by(PayoutEvent.id)
        for event in session.scalars(query):
            found[event.payout_id].append(event)
    return found


def events_of(session: Session, payout_id: int, *, now: datetime) -> list[PayoutEvent]:
    return _events(session, [payout_id])[payout_id]


def admin_record(session: Session, admin: Member, payout_id: int, *, now: datetime) -> PayoutRecord:
    """One payout, its member and its audit log, for a site administrator (NotFound otherwise)."""
    require_site_admin(admin)
    row = session.execute(
        select(Payout, Member.display_name, Member.email)
        .join(Member, Member.id == Payout.member_id)
        .where(Payout.id == payout_id)
    ).first()
    if row is None:
        raise NotFound("No such payout.")
    payout, name, email = row
    return PayoutRecord(payout, events_of(session, payout_id, now=now), name, email)


def member_payouts(
    session: Session, member: Member, *, page: int = 1, per_page: int = 20, now: datetime
) -> PayoutPage:
    """The member's payouts, newest first, each with its decisions."""
    where = Payout.member_id == member.id
    total = session.scalar(select(func.count()).select_from(Payout).where(where))
    payouts = list(
        session.scalars(
            select(Payout)
            .where(where)
            .order_by(Payout.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    events = _events(session, [p.id for p in payouts])
    return PayoutPage([PayoutRecord(p, events[p.id]) for p in payouts], int(total or 0), page, per_page)


def payouts_for_admins(
    session: Session,
    admin: Member,
    *,
    status: PayoutStatus | None = None,
    page: int = 1,
    per_page: int = 20,
    now: datetime,
) -> PayoutPage:
    """Payouts in ``status`` (all when None) for a site administrator (NotFound to anyone else):
    the ones waiting (requested, approved) oldest first, as a queue; the decided newest first."""
    require_site_admin(admin)
    query = select(Payout, Member.display_name, Member.email).join(Member, Member.id == Payout.member_id)
    count = select(func.count()).select_from(Payout)
    if status is not None:
        query, count = query.where(Payout.status == status), count.where(Payout.status == status)
    waiting = status in (PayoutStatus.REQUESTED, PayoutStatus.APPROVED)
    order = Payout.id.asc() if waiting else Payout.id.desc()
    rows = session.execute(query.order_by(order).limit(per_page).offset((page - 1) * per_page)).all()
    events = _events(session, [payout.id for payout, _, _ in rows])
    items = [PayoutRecord(payout, events[payout.id], name, email) for payout, name, email in rows]
    return PayoutPage(items, int(session.scalar(count) or 0), page, per_page)


def actor_names(session: Session, pages: list[PayoutRecord], *, now: datetime) -> dict[int, str]:
    """Display names of whoever acted on these payouts (for the administrators' page)."""
    ids = {event.actor_id for record in pages for event in record.events}
    if not ids:
        return {}
    return dict(session.execute(select(Member.id, Member.display_name).where(Member.id.in_(ids))).all())


def major_units(amount_minor: int, currency: str) -> Decimal:
    """``7050`` CNY as ``Decimal("70.50")``: a number a spreadsheet can add up."""
    return currencies.get(currency).major(amount_minor)


PENDING_CSV_HEADER = [
    "payout_id",
    "member_id",
    "display_name",
    "email",
    "amount",
    "currency",
    "amount_minor",
    "destination",
    "requested_at",
    "approved_at",
    "approved_by",
]


def pending_payout_rows(session: Session, admin: Member, *, now: datetime) -> list[list]:
    """The header and one row per approved payout waiting to be paid (oldest first), for
    ``habits.domain.csv_cells`` (which escapes what members typed: names, destinations)."""
    require_site_admin(admin)
    approver = aliased(Member, name="approver")
    rows = session.execute(
        select(Payout, Member.display_name, Member.email, approver.email)
        .join(Member, Member.id == Payout.member_id)
        .outerjoin(approver, approver.id == Payout.decided_by_id)
        .where(Payout.status.in_(IN_PAYOUTS_PENDING))
        .order_by(Payout.id)
    ).all()
    table: list[list] = [list(PENDING_CSV_HEADER)]
    for payout, name, email, approved_by in rows:
        table.append(
            [
                payout.id,
                payout.member_id,
                name,
                email,
                major_units(payout.amount_minor, payout.currency),
                payout.currency,
                payout.amount_minor,
                payout.destination,
                rfc3339_utc(payout.requested_at),
                rfc3339_utc(payout.decided_at) if payout.decided_at else "",
                approved_by or "",
            ]
        )
    return table


def paid_payouts(session: Session) -> list[Payout]:
    """Every payout marked paid, in the order it was paid (for the operator's bank matching)."""
    return list(
        session.scalars(
            select(Payout).where(Payout.status == PayoutStatus.PAID).order_by(Payout.paid_at, Payout.id)
        )
    )
