"""Forgot password: a one-time link by e-mail that sets a new password and signs everyone out.

Asking never tells whether an address is registered: the answer is the same, and so is the
work done in the request (a token minted, the mail written in a language), whether or not a
member has the address; only for a member is the link stored and the mail queued. Sending
happens later, in the relay, so the SMTP server's speed shows in no answer either.

The link lives an hour and works once; using it ends every other reset link of the member,
every web session and every API token (``members.end_every_session``, as a password change),
and proves the address, so it also counts as verified.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from habits.models import LinkPurpose, Member
from habits.services import one_time_links
from habits.services.mail import Composer, mail_member
from habits.services.members import DEFAULT_PASSWORD_METHOD, end_every_session, normalize_email
from habits.services.passwords import check_new_password

KIND = "password_reset"
LINK_LIFETIME = timedelta(hours=1)
#: links a member may have open at once: more requests queue no more mail (nobody can fill a
#: stranger's inbox by asking for their address from many places)
MAX_OPEN_LINKS = 3


def request_password_reset(
    session: Session, *, email: str, composer: Composer, locale: str, now: datetime
) -> None:
    """Mail a reset link to the member with ``email``, if there is one; the same either way."""
    member = session.scalar(select(Member).where(Member.email == normalize_email(email)))
    token = one_time_links.new_token()
    if member is None or (
        one_time_links.open_links(session, member, purpose=LinkPurpose.PASSWORD_RESET, now=now)
        >= MAX_OPEN_LINKS
    ):
        # written and dropped: the request costs what a real one costs
        composer(KIND, locale=locale, token=token, minutes=_minutes())
        return
    one_time_links.issue_link(
        session, member, purpose=LinkPurpose.PASSWORD_RESET, ttl=LINK_LIFETIME, now=now, token=token
    )
    mail_member(session, member, KIND, composer=composer, now=now, token=token, minutes=_minutes())


def _minutes() -> int:
    return int(LINK_LIFETIME.total_seconds() // 60)


def check_reset_link(session: Session, *, token: str, now: datetime) -> Member:
    """The member a reset link is for, or LinkRefused (the page asks before showing the form)."""
    _link, member = one_time_links.check_link(session, token, purpose=LinkPurpose.PASSWORD_RESET, now=now)
    return member


def reset_password(
    session: Session,
    *,
    token: str,
    password: str,
    now: datetime,
    password_method: str = DEFAULT_PASSWORD_METHOD,
) -> Member:
    """Set a new password with a reset link, then end every session and API token of the member.

    InvalidInput (422, on ``password``) for a password that may not be chosen, checked first so
    the link still works for a better one; LinkRefused (422, on ``token``) for a link that is
    unknown, expired or used."""
    check_new_password(password, field="password")
    member = one_time_links.redeem_link(session, token, purpose=LinkPurpose.PASSWORD_RESET, now=now)
    member.password_hash = generate_password_hash(password, method=password_method)
    one_time_links.retire_links(session, member, purpose=LinkPurpose.PASSWORD_RESET, now=now)
    if member.email_verified_at is None:
        member.email_verified_at = now  # the link reached this address
    end_every_session(session, member, now=now)
    session.flush()
    return member
