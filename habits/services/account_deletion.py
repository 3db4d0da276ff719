"""Deleting one's account: personal data erased, the books kept under an anonymous id.

What is erased: the e-mail address, display name, password, zone and language; every web
sign-in, API token and e-mailed link; mail waiting for the member or sent to them, and their
unsubscribe choices; answers to communities' join questions; the notes and photos of their
check-ins (the files too); where they asked payouts to be sent. Streakpot keeps no card (the
processor does) and no push subscription yet: a table that holds a member's data registers its
step in ``ERASURES`` (or its reason in ``KEPT``) here, the one place deletion is decided
(tests/api/test_account_deletion.py fails for a table referring to a member or an enrollment
that is in neither).

What is kept: the ``members`` row itself, anonymised, and its id. Ledger account codes embed
member ids (``wallet:member:{id}:{CCY}``, ``held:enrollment:{id}``...) and transactions are never
edited, so the row stays for the codes to keep naming one row, and ``flask ledger verify`` and
``payments reconcile`` still add up. With the name and address gone, the id is an anonymous
number. Enrollments, check-ins (instants, days, values), payments, refunds, payouts and their
audit log stay under it: day statements, other members' receipts and the operator's books need
them.

Refused, with the reason, while money is held for the member (a wallet balance, a held or frozen
deposit, a refund or payout on its way, a deposit asked for and not paid: ``AccountHoldsMoney``)
or while they are the only organizer of a community others belong to (``OnlyOrganizer``: hand
it over first, ``community_handover``). An organizer with co-organizers leaves the community to
the longest-standing co-organizer; a community nobody else belongs to stays, with no one to
organize it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

import ledger
from habits import books
from habits.domain.lifecycle import EnrollmentStatus
from habits.models import (
    ORGANIZING_ROLES,
    ApiToken,
    AppealRequest,
    BadgeAward,
    CheckIn,
    CheckInFlag,
    Cheer,
    Comment,
    CommentMention,
    CommentReport,
    Community,
    CommunityMembership,
    Enrollment,
    Invitation,
    InvitationUse,
    MailOptOut,
    Member,
    MemberBlock,
    MembershipStatus,
    MemberTag,
    Notification,
    NotificationDigest,
    OneTimeLink,
    OutboxMail,
    Payout,
    PushSubscription,
    QuizAttempt,
    Role,
    WebSession,
)
from habits.services.errors import FieldError, HabitsError, InvalidInput

#: what other members read where a deleted member's name was
DELETED_NAME = "—"
#: a password hash no password matches (werkzeug reads no method in it)
NO_PASSWORD = "!"
#: the kind of held money that is a deposit asked for and not paid yet (the others are CodeKinds)
PENDING_PAYMENT = "pending_payment"


def anonymous_email(member_id: int) -> str:
    """The address a deleted member's row keeps (unique, as the column wants; ``.invalid`` is
    reserved by RFC 2606, so no mail can ever reach it)."""
    return f"deleted-{member_id}@deleted.invalid"


class AccountHoldsMoney(HabitsError):
    """Money is held for the member: ``held`` lists where (kind, currency, amount, enrollment)."""

    title = "Money is held for this account"
    code = "account_holds_money"


class OnlyOrganizer(HabitsError):
    """The member is the only organizer of communities others belong to (``community_ids``)."""

    title = "You are the only organizer of a community"
    code = "account_only_organizer"


class PhotoEraser(Protocol):
    def delete(self, relative: str) -> None: ...


# -- what stands in the way -----------------------------------------------------------------------


@dataclass(frozen=True)
class HeldMoney:
    #: where it is held: a ledger code kind (wallet, held, frozen, refunds_pending,
    #: payouts_pending), or ``pending_payment`` for a deposit asked for and not paid yet
    kind: str
    currency: str
    amount_minor: int
    enrollment_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "currency": self.currency,
            "amount_minor": self.amount_minor,
            "enrollment_id": self.enrollment_id,
        }


@dataclass(frozen=True)
class Blockers:
    money: list[HeldMoney]
    #: communities the member is the only organizer of, with other active members in them
    communities: list[Community]

    def __bool__(self) -> bool:
        return bool(self.money or self.communities)


def held_money(session: Session, member: Member) -> list[HeldMoney]:
    """Every account of the member, or of one of their enrollments, that holds money, and every
    deposit they asked for that has not been paid (money may still arrive for it)."""
    enrollments = session.execute(
        select(Enrollment.id, Enrollment.status, Enrollment.deposit_minor, Enrollment.currency)
        .where(Enrollment.member_id == member.id)
        .order_by(Enrollment.id)
    ).all()
    owned = [ledger.Account.code.like(pattern) for pattern in books.member_codes_like(member.id)]
    codes = [code for row in enrollments for code in books.enrollment_codes(row.id)]
    if codes:
        owned.append(ledger.Account.code.in_(codes))
    accounts = list(session.scalars(select(ledger.Account).where(or_(*owned)).order_by(ledger.Account.code)))
    balances = ledger.balances(session, accounts, normal=True)
    held = []
    for account in accounts:
        if balances[account.id] != 0:
            parsed = books.parse_code(account.code)
            held.append(
                HeldMoney(parsed.kind.value, account.currency, balances[account.id], parsed.enrollment_id)
            )
    held += [
        HeldMoney(PENDING_PAYMENT, row.currency, row.deposit_minor, row.id)
        for row in enrollments
        if row.status == EnrollmentStatus.PENDING_PAYMENT
    ]
    return held


def _active_counts(session: Session, community_id: int, member_id: int) -> tuple[int, int]:
    """(other active members, other active organizers) of the community."""
    others = (
        CommunityMembership.community_id == community_id,
        CommunityMembership.status == MembershipStatus.ACTIVE,
        CommunityMembership.member_id != member_id,
    )
    everyone = session.scalar(select(func.count()).where(*others)) or 0
    organizing = (
        session.scalar(select(func.count()).where(*others, CommunityMembership.role.in_(ORGANIZING_ROLES)))
        or 0
    )
    return everyone, organizing


def only_organized(session: Session, member: Member) -> list[Community]:
    """Communities whose only active organizer is ``member`` while others are active in them."""
    organizing = session.scalars(
        select(Community)
        .join(CommunityMembership, CommunityMembership.community_id == Community.id)
        .where(
            CommunityMembership.member_id == member.id,
            CommunityMembership.status == MembershipStatus.ACTIVE,
            CommunityMembership.role.in_(ORGANIZING_ROLES),
        )
        .order_by(Community.id)
    ).all()
    blocked = []
    for community in organizing:
        everyone, organizers = _active_counts(session, community.id, member.id)
        if everyone and not organizers:
            blocked.append(community)
    return blocked


def deletion_blockers(session: Session, member: Member, *, now: datetime | None = None) -> Blockers:
    """What must happen before ``member`` can delete their account (nothing: falsy)."""
    return Blockers(held_money(session, member), only_organized(session, member))


# -- the erasure, step by step --------------------------------------------------------------------


@dataclass(frozen=True)
class Erasing:
    member: Member
    #: the address before it is erased (mail sent to it goes too)
    email: str
    photos: PhotoEraser
    now: datetime


@dataclass(frozen=True)
class Erasure:
    """One step of erasing an account, and the references to a member or an enrollment
    (``table.column``) whose data it answers for."""

    covers: tuple[str, ...]
    erase: Callable[[Session, Erasing], None]


def _end_sign_ins(session: Session, erasing: Erasing) -> None:
    member_id = erasing.member.id
    session.execute(delete(WebSession).where(WebSession.member_id == member_id))
    session.execute(delete(ApiToken).where(ApiToken.member_id == member_id))


def _forget_links(session: Session, erasing: Erasing) -> None:
    session.execute(delete(OneTimeLink).where(OneTimeLink.member_id == erasing.member.id))


def _forget_mail(session: Session, erasing: Erasing) -> None:
    session.execute(
        delete(OutboxMail).where(
            or_(OutboxMail.member_id == erasing.member.id, OutboxMail.to_address == erasing.email)
        )
    )
    session.execute(delete(MailOptOut).where(MailOptOut.member_id == erasing.member.id))


def _forget_badges(session: Session, erasing: Erasing) -> None:
    """Badges say what the member did and when: a profile, which an anonymous id has not (no
    foreign key to name here: settlement writes them set-based, like notifications)."""
    session.execute(delete(BadgeAward).where(BadgeAward.member_id == erasing.member.id))


def _leave_communities(session: Session, erasing: Erasing) -> None:
    """Leave every community, answers erased; a community the member organizes goes to its
    longest-standing active co-organizer (deletion_blockers refused the other cases)."""
    member = erasing.member
    for membership in session.scalars(
        select(CommunityMembership).where(CommunityMembership.member_id == member.id)
    ).all():
        community = session.get(Community, membership.community_id)
        if community.organizer_id == member.id:
            _pass_to_a_co_organizer(session, community, member)
        membership.status, membership.role, membership.answers = MembershipStatus.LEFT, Role.MEMBER, {}
        membership.left_at = membership.left_at or erasing.now


def _pass_to_a_co_organizer(session: Session, community: Community, member: Member) -> None:
    heir = session.scalar(
        select(CommunityMembership)
        .where(
            CommunityMembership.community_id == community.id,
            CommunityMembership.status == MembershipStatus.ACTIVE,
            CommunityMembership.role == Role.CO_ORGANIZER,
            CommunityMembership.member_id != member.id,
        )
        .order_by(CommunityMembership.joined_at, CommunityMembership.id)
        .limit(1)
    )
    if heir is not None:
        heir.role = Role.ORGANIZER
        community.organizer_id = heir.member_id


def _erase_check_in_evidence(session: Session, erasing: Erasing) -> None:
    checkins = session.scalars(
        select(CheckIn)
        .join(Enrollment, Enrollment.id == CheckIn.enrollment_id)
        .where(
            Enrollment.member_id == erasing.member.id,
            or_(CheckIn.note.is_not(None), CheckIn.photo_path.is_not(None)),
        )
    ).all()
    for checkin in checkins:
        if checkin.photo_path:
            erasing.photos.delete(checkin.photo_path)
        checkin.note, checkin.photo_path, checkin.photo_content_type = None, None, None


def _erase_appeal_words(session: Session, erasing: Erasing) -> None:
    """An appeal's reason and photo were the member's words to the organizers; the decision
    stays (the referee log shows it)."""
    appeals = session.scalars(
        select(AppealRequest)
        .join(Enrollment, Enrollment.id == AppealRequest.enrollment_id)
        .where(Enrollment.member_id == erasing.member.id)
    ).all()
    for appeal in appeals:
        if appeal.photo_path:
            erasing.photos.delete(appeal.photo_path)
        appeal.reason, appeal.photo_path, appeal.photo_content_type = "", None, None


def _erase_feed_words(session: Session, erasing: Erasing) -> None:
    """Comments are the member's words: erased, with the mentions in them; so are their cheers,
    reports, flags and blocks, and the mentions of them in others' comments (the comments stay)."""
    member_id = erasing.member.id
    session.execute(delete(Comment).where(Comment.author_id == member_id))
    session.execute(delete(CommentMention).where(CommentMention.member_id == member_id))
    session.execute(delete(Cheer).where(Cheer.member_id == member_id))
    session.execute(delete(CommentReport).where(CommentReport.reporter_id == member_id))
    session.execute(delete(CheckInFlag).where(CheckInFlag.flagger_id == member_id))
    session.execute(
        delete(MemberBlock).where(
            or_(MemberBlock.blocker_id == member_id, MemberBlock.blocked_id == member_id)
        )
    )


def _forget_notifications(session: Session, erasing: Erasing) -> None:
    """The member's notifications (no foreign key: settlement writes them set-based), devices
    (their queued pushes go with them) and digest claims."""
    member_id = erasing.member.id
    session.execute(delete(Notification).where(Notification.recipient_id == member_id))
    session.execute(delete(PushSubscription).where(PushSubscription.member_id == member_id))
    session.execute(delete(NotificationDigest).where(NotificationDigest.member_id == member_id))


def _forget_entry(session: Session, erasing: Erasing) -> None:
    """Tags are made of the answers erased with the memberships; quiz tries, the member's
    invitations (their uses go with them) and the record of the invitation they came in by go too."""
    member_id = erasing.member.id
    session.execute(delete(MemberTag).where(MemberTag.member_id == member_id))
    session.execute(delete(QuizAttempt).where(QuizAttempt.member_id == member_id))
    session.execute(delete(InvitationUse).where(InvitationUse.member_id == member_id))
    invitation_ids = select(Invitation.id).where(Invitation.member_id == member_id)
    session.execute(delete(InvitationUse).where(InvitationUse.invitation_id.in_(invitation_ids)))
    session.execute(delete(Invitation).where(Invitation.member_id == member_id))


def _erase_payout_destinations(session: Session, erasing: Erasing) -> None:
    for payout in session.scalars(select(Payout).where(Payout.member_id == erasing.member.id)).all():
        payout.destination = ""


def _anonymise_profile(session: Session, erasing: Erasing) -> None:
    member = erasing.member
    member.email = anonymous_email(member.id)
    member.email_verified_at = None
    member.password_hash = NO_PASSWORD
    member.display_name = DELETED_NAME
    member.timezone, member.locale, member.region = "UTC", "en", None
    member.reminder_minutes_before_close, member.email_digest = None, False
    member.is_admin = False
    member.deleted_at = erasing.now


#: every step, in order (the profile last: the steps before it read the address it erases)
ERASURES: tuple[Erasure, ...] = (
    Erasure(("web_sessions.member_id", "api_tokens.member_id"), _end_sign_ins),
    Erasure(("one_time_links.member_id",), _forget_links),
    Erasure(("outbox_mails.member_id", "mail_opt_outs.member_id"), _forget_mail),
    Erasure(("community_memberships.member_id", "communities.organizer_id"), _leave_communities),
    Erasure(("check_ins.enrollment_id",), _erase_check_in_evidence),
    Erasure(("appeal_requests.enrollment_id",), _erase_appeal_words),
    Erasure((), _forget_badges),
    Erasure(
        (
            "comments.author_id",
            "comment_mentions.member_id",
            "cheers.member_id",
            "comment_reports.reporter_id",
            "check_in_flags.flagger_id",
            "member_blocks.blocker_id",
            "member_blocks.blocked_id",
        ),
        _erase_feed_words,
    ),
    Erasure(("payouts.member_id",), _erase_payout_destinations),
    Erasure(
        (
            "member_tags.member_id",
            "quiz_attempts.member_id",
            "invitations.member_id",
            "invitation_uses.member_id",
        ),
        _forget_entry,
    ),
    Erasure(("push_subscriptions.member_id", "notification_digests.member_id"), _forget_notifications),
    Erasure((), _anonymise_profile),
)

_BOOKS = "the books: ledger transactions, day statements and reconciliation name it"
_REFEREES = "who refereed or launched what, shown to participants as the record (the name is erased)"

#: references to a member or an enrollment that deletion keeps, and why
KEPT: dict[str, str] = {
    "enrollments.member_id": _BOOKS,
    "rest_days.enrollment_id": _BOOKS,
    "payments.member_id": _BOOKS,
    "payments.enrollment_id": _BOOKS,
    "refunds.member_id": _BOOKS,
    "withdrawals.member_id": _BOOKS,
    "disputes.enrollment_id": _BOOKS,
    "payouts.decided_by_id": "the payouts' audit log",
    "payouts.paid_by_id": "the payouts' audit log",
    "payout_events.actor_id": "the payouts' audit log",
    "check_ins.recorded_by_id": _REFEREES,
    "check_ins.voided_by_id": _REFEREES,
    "appeal_requests.decided_by_id": _REFEREES,
    "excused_days.excused_by_id": _REFEREES,
    "referee_log.referee_id": _REFEREES,
    "referee_log.enrollment_id": _REFEREES,
    "challenges.created_by_id": _REFEREES,
    "terms_acceptances.member_id": "which terms the anonymous id accepted, and when: the operator's record",
    "terms_versions.published_by_id": "who published each version of the terms",
    "squad_members.enrollment_id": "the squad an enrollment plays in (kept for the books, nameless)",
    "squad_changes.actor_id": "who regrouped a challenge's squads: its history, shown to organizers",
}


def _check_password(member: Member, password: str) -> None:
    if not check_password_hash(member.password_hash, password or ""):
        error = FieldError("password_wrong", "The password is not right.")
        raise InvalidInput(str(error), errors={"password": [error]})


def refuse_if_blocked(blockers: Blockers) -> None:
    if blockers.money:
        raise AccountHoldsMoney(
            "Money is still held for you: take it out, or wait until it is settled, then delete.",
            held=[item.as_dict() for item in blockers.money],
        )
    if blockers.communities:
        raise OnlyOrganizer(
            "You are the only organizer of a community others belong to: hand it over first.",
            community_ids=[community.id for community in blockers.communities],
        )


def delete_account(
    session: Session, member: Member, *, password: str, photos: PhotoEraser, now: datetime
) -> Member:
    """Erase ``member``'s personal data and keep the anonymised row (module docstring).

    InvalidInput (422, on ``password``) when the password is not theirs; AccountHoldsMoney or
    OnlyOrganizer (409) while something stands in the way. Photo files are deleted last, once
    every row is erased (a failure before that leaves the account as it was)."""
    session.flush()
    session.refresh(member, with_for_update=True)
    if member.deleted_at is not None:
        return member
    _check_password(member, password)
    refuse_if_blocked(deletion_blockers(session, member))
    pending: list[str] = []
    erasing = Erasing(member=member, email=member.email, photos=_Later(pending), now=now)
    for step in ERASURES:
        step.erase(session, erasing)
    session.flush()
    for relative in pending:
        photos.delete(relative)
    return member


class _Later:
    """Collects the photos to delete until the rows are erased."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths

    def delete(self, relative: str) -> None:
        self.paths.append(relative)
