"""The feed page: a challenge's check-ins newest first, by keyset cursor, with each one's cheers
and comments counts and whether the reader cheered, all in the page's one query.

The cursor is the last item's (checked_in_at, id), opaque to clients: the next page holds what
comes strictly after it in that order, so check-ins arriving meanwhile (newer, on top) neither
repeat an item nor leave a gap.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from habits.models import Challenge, CheckIn, Cheer, Comment, Enrollment, Member
from habits.services import visibility
from habits.services.feed.refusals import BadCursor
from habits.services.squads.reading import squad_enrollments, squad_of_challenge
from ledger.base import UTCDateTime

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"^(\d{1,17})\.(\d{1,19})$")
#: a cursor's text is short: anything longer is not one of ours
MAX_CURSOR_LENGTH = 64


def encode_cursor(at: datetime, checkin_id: int) -> str:
    micros = (at - EPOCH) // timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"{micros}.{checkin_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (checked_in_at, id) a cursor holds; BadCursor for anything we did not write."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raw = ""
    match = _CURSOR.match(raw) if len(cursor) <= MAX_CURSOR_LENGTH else None
    if match is None or int(match[2]) > 2**63 - 1:
        raise BadCursor("This is not a cursor of this feed: start again from its first page.")
    try:
        return EPOCH + timedelta(microseconds=int(match[1])), int(match[2])
    except OverflowError:
        raise BadCursor("This is not a cursor of this feed: start again from its first page.") from None


@dataclass(frozen=True)
class FeedItem:
    checkin: CheckIn
    member_id: int
    member_name: str
    cheers: int
    comments: int
    cheered_by_me: bool
    #: the reader may see its photo (it has one, and it is not private or the reader may see it)
    photo_visible: bool


@dataclass(frozen=True)
class FeedPage:
    challenge: Challenge
    items: list[FeedItem]
    next_cursor: str | None
    #: the reader organizes the community (may delete comments, sees private photos)
    organizer: bool


def feed_page(
    session: Session,
    challenge_id: int,
    viewer: Member,
    *,
    cursor: str | None,
    per_page: int,
    squad: int | None = None,
    now: datetime | None = None,
) -> FeedPage:
    """One page of the feed after ``cursor`` (None: the newest), of one squad's members with
    ``squad``; NotFound for those who may not read it (and for a squad of another challenge)."""
    challenge = visibility.visible_challenge(session, challenge_id, viewer, visibility.Audience.PARTICIPANTS)
    organizer = visibility.challenge_sight(session, challenge, viewer).organizer
    # The page's check-ins first (the keyset walk of ix_check_ins_feed, LIMIT inside), then their
    # members and counts: joined before the LIMIT, PostgreSQL sizes its join caches (Memoize) for
    # the whole challenge, 2 ms a page at a million check-ins (bench/feed_page.py).
    newest = select(CheckIn).where(CheckIn.challenge_id == challenge.id)
    if squad is not None:
        squad_of_challenge(session, challenge, squad)
        newest = newest.where(CheckIn.enrollment_id.in_(squad_enrollments(squad)))
    if cursor:
        at, last_id = decode_cursor(cursor)
        after = tuple_(bindparam("at", at, type_=UTCDateTime()), bindparam("last_id", last_id))
        newest = newest.where(tuple_(CheckIn.checked_in_at, CheckIn.id) < after)
    order = (CheckIn.checked_in_at.desc(), CheckIn.id.desc())
    page = aliased(CheckIn, newest.order_by(*order).limit(per_page + 1).subquery("page"))
    cheers = select(func.count()).where(Cheer.check_in_id == page.id).correlate(page).scalar_subquery()
    comments = select(func.count()).where(Comment.check_in_id == page.id).correlate(page).scalar_subquery()
    # A count through the (check_in_id, member_id) index, not EXISTS: PostgreSQL may run an EXISTS
    # as one hashed pass over all the reader's cheers, every page (bench/feed_page.py).
    mine = (
        select(func.count())
        .where(Cheer.check_in_id == page.id, Cheer.member_id == viewer.id)
        .correlate(page)
        .scalar_subquery()
    )
    query = (
        select(page, Member.id, Member.display_name, cheers, comments, mine)
        .join(Enrollment, Enrollment.id == page.enrollment_id)
        .join(Member, Member.id == Enrollment.member_id)
        .order_by(page.checked_in_at.desc(), page.id.desc())
    )
    rows = session.execute(query).all()
    items = [
        FeedItem(
            checkin=checkin,
            member_id=member_id,
            member_name=name,
            cheers=cheer_count,
            comments=comment_count,
            cheered_by_me=bool(cheered),
            photo_visible=checkin.photo_path is not None
            and (not checkin.photo_private or organizer or member_id == viewer.id),
        )
        for checkin, member_id, name, cheer_count, comment_count, cheered in rows[:per_page]
    ]
    more = len(rows) > per_page
    last = items[-1].checkin if items else None
    next_cursor = encode_cursor(last.checked_in_at, last.id) if more and last else None
    return FeedPage(challenge=challenge, items=items, next_cursor=next_cursor, organizer=organizer)


def participants(
    session: Session,
    challenge_id: int,
    viewer: Member,
    *,
    q: str,
    page: int,
    per_page: int,
    now: datetime | None = None,
) -> tuple[list[tuple[int, str]], int]:
    """The challenge's participants whose name contains ``q`` (the mention picker), by name."""
    challenge = visibility.visible_challenge(session, challenge_id, viewer, visibility.Audience.PARTICIPANTS)
    query = select(Member.id, Member.display_name).where(
        Member.id.in_(select(Enrollment.member_id).where(Enrollment.challenge_id == challenge.id)),
        Member.deleted_at.is_(None),
    )
    if q:
        query = query.where(func.lower(Member.display_name).contains(q.lower(), autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Member.display_name, Member.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return [(row.id, row.display_name) for row in rows], total
