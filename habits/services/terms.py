"""The terms of service: the operator publishes versions, members accept the newest.

Prize pools are regulated in some places, so a member accepts the operator's terms when they sign
up and before they pay a deposit (``require_accepted``, called by ``deposits.start_deposit``, the
one door every deposit goes through). A new version asks everyone again: what counts is the
newest version, never an earlier one. While nothing is published there is nothing to accept.

Published by a site administrator (``/admin/terms``) or from the command line
(``flask terms publish FILE``); never edited in place: each publication is a new version.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from habits.models import Member, TermsAcceptance, TermsVersion
from habits.services.errors import FieldError, HabitsError, InvalidInput
from habits.services.site_admins import require_site_admin

#: the longest body a version may have (characters of Markdown)
MAX_BODY = 100_000
#: the field sign-up and acceptance read the accepted version from (API and pages alike)
FIELD = "terms_version"


class TermsNotAccepted(HabitsError):
    """A deposit waits for the member to accept the newest terms (``terms_version`` says which)."""

    title = "Accept the terms first"
    code = "terms_not_accepted"


class TermsChangedMeanwhile(HabitsError):
    """Two publications raced: the other one took this version number."""

    title = "The terms changed meanwhile"
    code = "terms_changed_meanwhile"


def current_terms(session: Session) -> TermsVersion | None:
    """The newest version, or None while nothing is published."""
    return session.scalar(select(TermsVersion).order_by(TermsVersion.version.desc()).limit(1))


def terms_version(session: Session, version: int) -> TermsVersion | None:
    return session.get(TermsVersion, version)


def accepted_at(session: Session, member_id: int, version: int) -> datetime | None:
    """When the member accepted ``version`` (None: not accepted)."""
    return session.scalar(
        select(TermsAcceptance.accepted_at).where(
            TermsAcceptance.member_id == member_id, TermsAcceptance.version == version
        )
    )


def has_accepted_current(session: Session, member_id: int) -> bool:
    """True when the member accepted the newest version, or when nothing is published."""
    current = current_terms(session)
    return current is None or accepted_at(session, member_id, current.version) is not None


def require_accepted(session: Session, member_id: int) -> None:
    """TermsNotAccepted (409, with ``terms_version``) unless the member accepted the newest terms."""
    current = current_terms(session)
    if current is None or accepted_at(session, member_id, current.version) is not None:
        return
    raise TermsNotAccepted(
        f"Accept the terms (version {current.version}) before paying a deposit.",
        terms_version=current.version,
    )


def check_offered_version(session: Session, version: int | None) -> TermsVersion | None:
    """The newest terms when ``version`` names them (None when nothing is published and none is
    named); InvalidInput on ``terms_version`` otherwise: missing, or not the newest (the member
    read other terms than the ones in force)."""
    current = current_terms(session)
    if current is None and version is None:
        return None
    if current is not None and version is None:
        error = FieldError(
            "terms_acceptance_missing",
            f"Accept the terms (version {current.version}) to go on.",
            version=current.version,
        )
    elif current is None or version != current.version:
        newest = current.version if current is not None else None
        error = FieldError(
            "terms_version_outdated",
            f"Version {version} is not the terms in force"
            + (f" (version {newest}): read them again." if newest else ": none are published."),
            version=newest,
        )
    else:
        return current
    raise InvalidInput(str(error), errors={FIELD: [error]})


def record_acceptance(session: Session, member: Member, version: int, *, now: datetime) -> TermsAcceptance:
    """Remember that ``member`` accepted ``version`` now (accepting it again changes nothing)."""
    existing = session.get(TermsAcceptance, (member.id, version))
    if existing is not None:
        return existing
    acceptance = TermsAcceptance(member_id=member.id, version=version, accepted_at=now)
    try:
        with session.begin_nested():
            session.add(acceptance)
    except IntegrityError:
        # the same member accepted twice at once: the first one counts
        return session.get(TermsAcceptance, (member.id, version))
    return acceptance


def accept_terms(session: Session, member: Member, *, version: int | None, now: datetime) -> TermsAcceptance:
    """The member accepts the newest terms, named by ``version`` (InvalidInput otherwise)."""
    current = check_offered_version(session, version)
    if current is None:
        raise InvalidInput(
            "No terms are published: there is nothing to accept.",
            errors={FIELD: [FieldError("terms_version_outdated", "No terms are published.", version=None)]},
        )
    return record_acceptance(session, member, current.version, now=now)


def acceptances_of(session: Session, member_id: int) -> list[TermsAcceptance]:
    return list(
        session.scalars(
            select(TermsAcceptance)
            .where(TermsAcceptance.member_id == member_id)
            .order_by(TermsAcceptance.version)
        )
    )


def _check_body(body: str | None, current: TermsVersion | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        error = FieldError("terms_body_blank", "Write the terms.")
    elif len(text) > MAX_BODY:
        error = FieldError("terms_body_too_long", f"At most {MAX_BODY} characters.", max=MAX_BODY)
    elif current is not None and text == current.body:
        error = FieldError(
            "terms_body_unchanged",
            "These are the terms in force already: publishing them again would only ask everyone again.",
        )
    else:
        return text
    raise InvalidInput(str(error), errors={"body": [error]})


def publish_terms(session: Session, *, body: str, now: datetime, admin: Member | None = None) -> TermsVersion:
    """Publish ``body`` as the next version: from now on, it is what sign-up and deposits ask for.

    ``admin``: the site administrator publishing it from the page (NotFound for anyone else);
    None from the command line, whose user holds the server already."""
    if admin is not None:
        require_site_admin(admin)
    current = current_terms(session)
    text = _check_body(body, current)
    newest = session.scalar(select(func.max(TermsVersion.version))) or 0
    version = TermsVersion(
        version=newest + 1,
        body=text,
        published_at=now,
        published_by_id=admin.id if admin is not None else None,
    )
    try:
        with session.begin_nested():
            session.add(version)
    except IntegrityError:
        raise TermsChangedMeanwhile(
            f"Version {newest + 1} was published meanwhile: read it, then publish yours again."
        )
    return version
