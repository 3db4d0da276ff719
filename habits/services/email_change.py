"""Changing one's e-mail address: the new address takes effect only once the link mailed to it
is followed, and the old address is told.

Asking (the settings page, ``PATCH /api/v1/me {email}``) stores a one-time link of purpose
``change_email`` naming the new address, mails it there, and tells the old address that a move
was asked for (who did not ask changes their password: that ends every session and drops the
request, ``members.end_every_session``). Until the link is followed nothing changes: sign-in,
password resets and mail all use the old address. Following it moves the member to the new
address (verified: the link reached it), tells the old address, and ends every other link that
was mailed to the old one (they name the address they were sent for).

A new request replaces the pending one (one pending address at a time), and a member asks at
most ``MAX_REQUESTS_PER_DAY`` times a day: each request mails an address the member typed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from habits.models import LinkPurpose, Member, OneTimeLink
from habits.services import one_time_links
from habits.services.errors import FieldError, HabitsError, InvalidInput
from habits.services.mail import Composer, enqueue, mail_member
from habits.services.members import normalize_email, update_profile

#: the link mailed to the new address
LINK_KIND = "email_change"
#: to the old address, when a move is asked for
ASKED_KIND = "email_change_asked"
#: to the old address, when the move is done
DONE_KIND = "email_changed"
LINK_LIFETIME = timedelta(hours=24)
MAX_REQUESTS_PER_DAY = 5
MAX_EMAIL_LENGTH = 254


class EmailInUse(HabitsError):
    """Another member's address (409, on ``email``)."""

    title = "Email already registered"
    code = "email_in_use"


class EmailChangeTooOften(HabitsError):
    status = 429
    title = "Too many address changes"
    code = "email_change_too_often"


def _taken(session: Session, email: str, member: Member) -> bool:
    other = session.scalar(select(Member.id).where(Member.email == email, Member.id != member.id))
    return other is not None


def _email_taken() -> EmailInUse:
    message = "Another account has this address."
    return EmailInUse(message, errors={"email": [FieldError("email_in_use", message)]})


def _pending_links(member: Member, now: datetime):
    return select(OneTimeLink).where(
        OneTimeLink.member_id == member.id,
        OneTimeLink.purpose == LinkPurpose.CHANGE_EMAIL,
        OneTimeLink.used_at.is_(None),
        OneTimeLink.expires_at > now,
        OneTimeLink.email == member.email,
    )


def pending_email(session: Session, member: Member, *, now: datetime) -> str | None:
    """The address the member asked to move to and has not confirmed yet (None: no move)."""
    link = session.scalar(_pending_links(member, now).order_by(OneTimeLink.id.desc()).limit(1))
    return link.new_email if link is not None else None


def cancel_email_change(session: Session, member: Member, *, now: datetime) -> None:
    one_time_links.retire_links(session, member, purpose=LinkPurpose.CHANGE_EMAIL, now=now)


def request_email_change(
    session: Session, member: Member, *, new_email: str, composer: Composer, now: datetime
) -> str | None:
    """Mail a link to ``new_email`` that makes it the member's address, and tell the old address.
    The pending address, or None when ``new_email`` is the member's address already (a pending
    move is then dropped). EmailInUse (409) when another member has it, InvalidInput (422) for
    what is not an address, EmailChangeTooOften (429) past the day's requests."""
    new_email = normalize_email(new_email or "")
    if "@" not in new_email or len(new_email) > MAX_EMAIL_LENGTH or any(c.isspace() for c in new_email):
        message = "Write an email address like name@example.com."
        raise InvalidInput(message, errors={"email": [FieldError("email_invalid", message)]})
    if new_email == member.email:
        cancel_email_change(session, member, now=now)
        return None
    if _taken(session, new_email, member):
        raise _email_taken()
    asked_today = session.scalar(
        select(func.count())
        .select_from(OneTimeLink)
        .where(
            OneTimeLink.member_id == member.id,
            OneTimeLink.purpose == LinkPurpose.CHANGE_EMAIL,
            OneTimeLink.created_at > now - timedelta(days=1),
        )
    )
    if asked_today >= MAX_REQUESTS_PER_DAY:
        raise EmailChangeTooOften(
            "You asked to change your address too often today: try again tomorrow.",
            max=MAX_REQUESTS_PER_DAY,
        )
    cancel_email_change(session, member, now=now)
    token = one_time_links.new_token()
    link = one_time_links.issue_link(
        session, member, purpose=LinkPurpose.CHANGE_EMAIL, ttl=LINK_LIFETIME, now=now, token=token
    )
    link.new_email = new_email
    hours = int(LINK_LIFETIME.total_seconds() // 3600)
    context = {"member": member, "new_email": new_email, "token": token, "hours": hours}
    letter = composer(LINK_KIND, locale=member.locale, member_id=member.id, **context)
    enqueue(
        session,
        to=new_email,
        kind=LINK_KIND,
        subject=letter.subject,
        body_text=letter.body_text,
        body_html=letter.body_html,
        member_id=member.id,
        locale=member.locale,
        now=now,
    )
    mail_member(session, member, ASKED_KIND, composer=composer, now=now, new_email=new_email, hours=hours)
    session.flush()
    return new_email


def check_change_link(session: Session, *, token: object, now: datetime) -> tuple[Member, str]:
    """The member and the address a change link moves them to; LinkRefused when it may not be
    used (unknown, used, expired, or the member's address changed since)."""
    link, member = one_time_links.check_link(session, token, purpose=LinkPurpose.CHANGE_EMAIL, now=now)
    return member, link.new_email


def confirm_email_change(session: Session, *, token: object, composer: Composer, now: datetime) -> Member:
    """Follow a change link: the member's address is the new one (verified), the old address is
    told. LinkRefused for a link that may not be used; EmailInUse when another member took the
    address meanwhile (the link then still works, should they give it up)."""
    member, new_email = check_change_link(session, token=token, now=now)
    if _taken(session, new_email, member):
        raise _email_taken()
    one_time_links.redeem_link(session, token, purpose=LinkPurpose.CHANGE_EMAIL, now=now)
    old_email = member.email
    try:
        # the unique key decides, also when a registration races the change
        with session.begin_nested():
            member.email = new_email
            member.email_verified_at = now
    except IntegrityError:
        raise _email_taken() from None
    one_time_links.retire_links(session, member, purpose=LinkPurpose.CHANGE_EMAIL, now=now)
    context = {"member": member, "old_email": old_email, "new_email": new_email}
    letter = composer(DONE_KIND, locale=member.locale, member_id=member.id, **context)
    enqueue(
        session,
        to=old_email,
        kind=DONE_KIND,
        subject=letter.subject,
        body_text=letter.body_text,
        body_html=letter.body_html,
        member_id=member.id,
        locale=member.locale,
        now=now,
    )
    session.flush()
    return member


def update_account(
    session: Session, member: Member, *, changes: dict, composer: Composer, now: datetime
) -> Member:
    """``PATCH /api/v1/me``: the profile's fields change now (``members.update_profile``); an
    ``email`` is only asked for (``request_email_change``)."""
    changes = dict(changes)
    new_email = changes.pop("email", None)
    update_profile(session, member, changes=changes, now=now)
    if new_email is not None:
        request_email_change(session, member, new_email=new_email, composer=composer, now=now)
    return member
