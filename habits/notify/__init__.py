"""Telling members, at the edge: a notification's text in its reader's language and zone
(``render``), Web Push through a push service (``webpush``, keys in ``vapid``), and the daily
digest's mail (``digest_mail``). What to tell and when is ``habits.services.notifications``."""
