"""How a delivery that failed is tried again: exponential backoff, capped, then given up.

One rule for every kind of delivery from an outbox (e-mail, Web Push and chat webhooks, each
with its own ``RetryPolicy`` and the same arithmetic): after the n-th failed attempt
the next one waits ``first_delay * 2**(n-1)``, never more than ``max_delay``, and after
``max_attempts`` attempts there is no next one (the message is marked failed for a human).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    first_delay: timedelta
    max_delay: timedelta

    def delay_after(self, attempts: int) -> timedelta:
        """The wait after ``attempts`` failed attempts (1 -> first_delay, 2 -> twice that ...)."""
        if attempts < 1:
            return timedelta(0)
        # 2**exponent grows without bound; cap the exponent before the multiplication overflows
        exponent = min(attempts - 1, 32)
        return min(self.first_delay * (2**exponent), self.max_delay)

    def next_attempt_at(self, attempts: int, *, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` failed attempts, or None: give up."""
        if attempts >= self.max_attempts:
            return None
        return now + self.delay_after(attempts)


#: e-mail: 1, 2, 4, 8, 16, 32, 64 minutes, then failed (about two hours in all; the
#: links it carries live an hour or a week, so later would rarely help)
MAIL_RETRIES = RetryPolicy(max_attempts=8, first_delay=timedelta(minutes=1), max_delay=timedelta(hours=2))

#: Web Push: 1, 2, 4, 8, 16 minutes, then failed (about half an hour: a notification that late
#: is rarely news, and the member still finds it in the app)
PUSH_RETRIES = RetryPolicy(max_attempts=6, first_delay=timedelta(minutes=1), max_delay=timedelta(minutes=30))

#: chat webhooks: 1, 2, 4, 8, 16, 32 minutes, then failed (about an hour: a daily summary much
#: later than its time is stale; the organizer sees the failing hook on the dashboard)
CHAT_RETRIES = RetryPolicy(max_attempts=7, first_delay=timedelta(minutes=1), max_delay=timedelta(minutes=30))
