"""What a member chose about being told: reminders before a window closes, the daily digest."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from habits.models import MailOptOut, Member

#: the mail kind of the digest (habits.mail.compose.KINDS; templates/mail/notification_digest.*)
DIGEST_MAIL_KIND = "notification_digest"
#: what ``reminder_minutes_before_close`` may be (a window lasts at most a day)
REMINDER_MINUTES = range(1, 1441)
FIELDS = ("reminder_minutes_before_close", "email_digest")


def apply_preferences(session: Session, member: Member, changes: dict) -> None:
    """Set the fields of ``FIELDS`` found in ``changes`` (validated by the edge).

    Asking for the digest again undoes an earlier click on its unsubscribe link: the member's
    latest word is the one that counts."""
    if "reminder_minutes_before_close" in changes:
        minutes = changes["reminder_minutes_before_close"]
        if minutes is not None and minutes not in REMINDER_MINUTES:
            raise ValueError(f"reminder minutes out of range: {minutes}")
        member.reminder_minutes_before_close = minutes
    if "email_digest" in changes:
        member.email_digest = bool(changes["email_digest"])
        if member.email_digest:
            session.execute(
                delete(MailOptOut).where(
                    MailOptOut.member_id == member.id, MailOptOut.kind == DIGEST_MAIL_KIND
                )
            )
