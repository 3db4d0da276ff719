"""The daily digest's mail: the outbox's composer, with each notification written for its reader.

``compose_digest`` is the ``habits.services.mail.Composer`` the digest job hands to
``habits.services.notifications.digest``: it writes the notifications' text in the member's
language and zone, then the mail itself from templates/mail/notification_digest.* as any mail.
"""

from __future__ import annotations

from habits.mail.compose import compose_mail
from habits.notify.render import date_and_time, reader_locale, reader_zone, render
from habits.services.mail import Letter


def compose_digest(
    kind: str, *, locale: str, member_id: int | None = None, member=None, notifications=(), **context
) -> Letter:
    chosen, zone = reader_locale(locale), reader_zone(member.timezone if member is not None else None)
    items = []
    for notification in notifications:
        text = render(notification.kind, notification.params, locale=chosen, timezone=zone.key)
        items.append(
            {
                "title": text.title,
                "body": text.body,
                "when": date_and_time(notification.created_at, zone, chosen),
            }
        )
    return compose_mail(kind, locale=locale, member_id=member_id, member=member, items=items, **context)
