"""Reminders: a member who has not checked in is reminded ``reminder_minutes_before_close``
minutes before the day's window closes, once per enrollment and day.

One INSERT ... SELECT does a minute's work, whatever the number of members
(bench/reminders.py): it picks every active enrollment of a running challenge whose day
window is open now and closes within its member's chosen minutes, with no check-in for that
day, and records a ``reminder`` notification for each; its pushes are queued in the same
statement and sent by the push relay, never here.

- **Once**: the notification's dedupe key ``reminder:{enrollment}:{day}`` is unique, so the key
  claims the reminder in the database: a second run, or a second scheduler process racing this
  one, inserts nothing for it.
- **Never after the check-in**: the selection skips checked-in days, and the relay drops a
  queued reminder whose day was checked in (or closed) before it went out.
- **DST and zones**: the windows are the challenge's, computed by the domain in its own zone
  (``challenge_windows``: UTC instants, daylight-saving changes included); a reminder is so many
  minutes before that instant, whatever zone the member lives in (their zone only shapes the
  text, when it is written).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from habits.domain.lifecycle import EnrollmentStatus
from habits.models import Challenge, ChallengeStatus, ChallengeWindow, CheckIn, Enrollment, Member
from habits.services.notifications import sql
from habits.services.notifications.store import notify_from_select

KIND = "reminder"


def reminders_due(session: Session, *, now: datetime):
    """The reminders due at ``now`` and not sent yet, as notification rows (a Select)."""
    c, w, e, m, ci = (t.__table__ for t in (Challenge, ChallengeWindow, Enrollment, Member, CheckIn))
    checked_in = select(ci.c.id).where(ci.c.enrollment_id == e.c.id, ci.c.day_index == w.c.day_index).exists()
    minutes = m.c.reminder_minutes_before_close
    return (
        select(
            e.c.member_id.label("recipient_id"),
            literal(KIND).label("kind"),
            sql.text_key(KIND, e.c.id, w.c.day_index).label("dedupe_key"),
            sql.json_object(
                session,
                challenge_id=c.c.id,
                challenge=c.c.title,
                enrollment_id=e.c.id,
                day_index=w.c.day_index,
                closes_time=w.c.closes_at,
            ).label("params"),
        )
        .select_from(
            c.join(w, w.c.challenge_id == c.c.id)
            .join(e, e.c.challenge_id == c.c.id)
            .join(m, m.c.id == e.c.member_id)
        )
        .where(
            c.c.status == ChallengeStatus.RUNNING,
            w.c.opens_at <= now,
            w.c.closes_at > now,
            e.c.status == EnrollmentStatus.ACTIVE,
            minutes.is_not(None),
            sql.within_minutes(session, w.c.closes_at, now, minutes),
            ~checked_in,
        )
    )


def remind_due(session: Session, *, now: datetime) -> None:
    """Record (and queue the pushes of) every reminder due at ``now``; the caller commits."""
    notify_from_select(session, reminders_due(session, now=now), kinds=[KIND], now=now)
