"""Addresses are verified before anything but transactional mail goes to them.

Sign-up (page and API) queues a mail with a one-time link in the same transaction as the new
member; following it sets ``members.email_verified_at``. Nothing waits for it: a member signs in
and uses the site unverified, but digests, payouts' notices and any other mail that is not
transactional ask ``members.can_receive_non_transactional`` first (``mail.mail_member`` does).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from habits.models import LinkPurpose, Member, OutboxMail
from habits.services import one_time_links, terms
from habits.services.mail import Composer, mail_member
from habits.services.members import register_member

KIND = "verify_email"
LINK_LIFETIME = timedelta(days=7)


def sign_up(
    session: Session, *, composer: Composer, now: datetime, terms_version: int | None = None, **registration
) -> Member:
    """Register a member (``members.register_member``'s arguments and refusals) who accepts the
    terms in force, ``terms_version`` (InvalidInput on it otherwise; nothing to accept while none
    are published), and mail them the link that verifies their address, in one transaction."""
    accepted = terms.check_offered_version(session, terms_version)
    member = register_member(session, now=now, **registration)
    if accepted is not None:
        terms.record_acceptance(session, member, accepted.version, now=now)
    send_verification(session, member, composer=composer, now=now)
    return member


def send_verification(
    session: Session, member: Member, *, composer: Composer, now: datetime
) -> OutboxMail | None:
    """Mail a new verification link to the member's address (None when it is verified already)."""
    if member.email_verified_at is not None:
        return None
    token = one_time_links.new_token()
    one_time_links.issue_link(
        session, member, purpose=LinkPurpose.VERIFY_EMAIL, ttl=LINK_LIFETIME, now=now, token=token
    )
    days = LINK_LIFETIME.days
    return mail_member(session, member, KIND, composer=composer, now=now, token=token, days=days)


def check_verification_link(session: Session, *, token: str, now: datetime) -> Member:
    _link, member = one_time_links.check_link(session, token, purpose=LinkPurpose.VERIFY_EMAIL, now=now)
    return member


def verify_email(session: Session, *, token: str, now: datetime) -> Member:
    """Follow a verification link: the member's address is verified (LinkRefused otherwise)."""
    member = one_time_links.redeem_link(session, token, purpose=LinkPurpose.VERIFY_EMAIL, now=now)
    one_time_links.retire_links(session, member, purpose=LinkPurpose.VERIFY_EMAIL, now=now)
    if member.email_verified_at is None:
        member.email_verified_at = now
    session.flush()
    return member
