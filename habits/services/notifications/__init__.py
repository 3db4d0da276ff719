"""Telling members what happened: in-app notifications, Web Push, reminders, the e-mail digest.

- ``kinds``: the one table of kinds (text, pushed or not, in the digest or not);
- ``store``: record one (``notify``) or many set-based (``notify_from_select``), each once by
  its dedupe key, pushes queued in the same transaction; a member's list, unread count, reading;
- ``events``: what each use case tells (a void, a failed payment, a refund, a payout...);
  a settled day tells its members set-based from ``habits.services.settlement.notices``;
- ``reminders``, ``upcoming``, ``digest``: the scheduler's jobs (one set-based claim each);
- ``subscriptions``, ``push_relay``: devices, and the relay that sends what is queued.

Text is written when read, in the reader's language and zone, by ``habits.notify.render``.
"""

from habits.services.notifications.kinds import IN_DIGEST, KINDS, PUSHED, Kind
from habits.services.notifications.store import (
    NotificationPage,
    list_notifications,
    mark_read,
    notify,
    notify_from_select,
    unread_count,
)

__all__ = [
    "IN_DIGEST",
    "KINDS",
    "PUSHED",
    "Kind",
    "NotificationPage",
    "list_notifications",
    "mark_read",
    "notify",
    "notify_from_select",
    "unread_count",
]
