"""Members: registration, password login, the profile, and ending every session of a member."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from habits.models import LinkPurpose, Member
from habits.services import one_time_links
from habits.services.errors import FieldError, HabitsError, InvalidInput
from habits.services.notifications.preferences import apply_preferences
from habits.services.passwords import check_new_password, password_problem
from habits.services.tokens import DEFAULT_TTL_DAYS, IssuedToken, issue_token, revoke_all_tokens
from habits.services.web_sessions import end_all_sessions

#: Werkzeug's default (scrypt); tests pass a cheap pbkdf2 through PASSWORD_HASH_METHOD
DEFAULT_PASSWORD_METHOD = "scrypt"
PROFILE_FIELDS = ("display_name", "timezone", "locale", "region")


class EmailTaken(HabitsError):
    title = "Email already registered"
    code = "email_taken"


class InvalidCredentials(HabitsError):
    status = 401
    title = "Unauthorized"
    code = "invalid_credentials"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def can_receive_non_transactional(member: Member) -> bool:
    """Whether mail that is not transactional (digests, payouts' news, reminders) may go to the
    member's address: only once they followed the link mailed to it (email_verification)."""
    return member.email_verified_at is not None


def register_member(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    timezone: str = "UTC",
    locale: str = "en",
    now: datetime,
    password_method: str = DEFAULT_PASSWORD_METHOD,
) -> Member:
    """Create a member. Raises InvalidInput (422) for a blank or common password, EmailTaken (409)
    when the address is already registered."""
    check_new_password(password, field="password")
    email = normalize_email(email)
    member = Member(
        email=email,
        password_hash=generate_password_hash(password, method=password_method),
        display_name=display_name.strip(),
        timezone=timezone,
        locale=locale,
        created_at=now,
    )
    try:
        # The unique key decides, also when two registrations race.
        with session.begin_nested():
            session.add(member)
    except IntegrityError:
        raise EmailTaken(
            "An account with this email already exists; log in instead.",
            errors={"email": ["This email is already registered."]},
        )
    return member


@functools.cache
def dummy_hash(password_method: str) -> str:
    """A hash made with ``password_method``, checked when the email is unknown: a wrong email
    then costs what a wrong password costs (same method, same work factor), so the time a login
    takes does not tell whether an address is registered."""
    return generate_password_hash("not anybody's password", method=password_method)


def check_credentials(
    session: Session,
    *,
    email: str,
    password: str,
    now: datetime,
    password_method: str = DEFAULT_PASSWORD_METHOD,
) -> Member | None:
    """The member with this email and password, or None (same answer for either mistake).

    ``password_method``: the method registration uses now (the unknown-email path hashes with it)."""
    member = session.scalar(select(Member).where(Member.email == normalize_email(email)))
    if member is None:
        check_password_hash(dummy_hash(password_method), password)
        return None
    return member if check_password_hash(member.password_hash, password) else None


def log_in(
    session: Session,
    *,
    email: str,
    password: str,
    now: datetime,
    ttl_days: int = DEFAULT_TTL_DAYS,
    name: str = "api",
    password_method: str = DEFAULT_PASSWORD_METHOD,
) -> IssuedToken:
    """Issue an API token for the right email and password; InvalidCredentials (401) otherwise."""
    member = check_credentials(
        session, email=email, password=password, now=now, password_method=password_method
    )
    if member is None:
        raise InvalidCredentials("The email or the password is not right.")
    return issue_token(session, member, now=now, ttl_days=ttl_days, name=name)


def update_profile(session: Session, member: Member, *, changes: dict, now: datetime) -> Member:
    """Change display name, time zone, language or region (a region of None follows the
    browser), and what the member wants to be told (fields validated by the edge)."""
    for name in PROFILE_FIELDS:
        if name in changes:
            value = changes[name]
            setattr(member, name, value.strip() if name == "display_name" else value)
    apply_preferences(session, member, changes)
    session.flush()
    return member


def change_password(
    session: Session,
    member: Member,
    *,
    current_password: str,
    new_password: str,
    now: datetime,
    password_method: str = DEFAULT_PASSWORD_METHOD,
) -> Member:
    """Set a new password after checking the current one, then end every session of the member
    (web sign-ins and API tokens alike): a page that keeps its browser signed in starts a new
    session afterwards. InvalidInput (422) names each field that is wrong."""
    errors: dict[str, list[FieldError]] = {}
    if not check_password_hash(member.password_hash, current_password):
        errors["current_password"] = [
            FieldError("current_password_wrong", "The current password is not right.")
        ]
    problem = password_problem(new_password)
    if problem is not None:
        errors["new_password"] = [problem]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(str(first), errors=errors)
    member.password_hash = generate_password_hash(new_password, method=password_method)
    end_every_session(session, member, now=now)
    return member


def end_every_session(session: Session, member: Member, *, now: datetime) -> None:
    """End every web session and revoke every API token of ``member``: what a password change or
    reset does, so whoever held an old cookie or token is signed out everywhere. A move to a new
    address that is not confirmed yet is dropped too: whoever held the session may have asked."""
    end_all_sessions(session, member, now=now)
    revoke_all_tokens(session, member, now=now)
    one_time_links.retire_links(session, member, purpose=LinkPurpose.CHANGE_EMAIL, now=now)
