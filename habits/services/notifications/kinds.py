"""Every kind of notification, in one table: its text, whether it is pushed, whether the daily
e-mail digest carries it.

To add a kind: one entry in ``KINDS`` (its title and body are message ids: give them their
zh_Hans translation in translations/, as for any page string), then call ``notify`` (one event)
or ``notify_from_select`` (a set of recipients at once) where the event happens.

The text is written from the notification's ``params`` when it is read (API, push, digest), in
the reader's language and zone (``habits.notify.render``). A placeholder names a param, shaped
for a person by its name:

- ``day_index`` k          -> ``%(day)s`` = k + 1 (people read "Day k+1"; params keep k);
- ``<name>_minor``         -> ``%(<name>)s``: money in the param ``currency``, in the reader's locale;
- ``<name>_at`` (RFC 3339) -> ``%(<name>)s``: date and time in the reader's zone;
- ``<name>_time`` (RFC 3339) -> ``%(<name>)s``: the wall-clock time in the reader's zone;
- ``badges`` ("streak_7,perfect_challenge") -> the badges' names (``BADGE_NAMES``), in order; a
  kind whose text does not name them (a notice of the day) gets "New badges: ..." after its body.
- anything else            -> as it is (a challenge's title, a reason someone wrote).
"""

from __future__ import annotations

from dataclasses import dataclass


def _l(message: str) -> str:
    """Mark a message id for extraction (babel.cfg reads this module); it is translated when the
    notification is rendered, in its reader's language, not here."""
    return message


@dataclass(frozen=True)
class Kind:
    title: str
    body: str
    #: sent to the member's devices by Web Push as it happens
    push: bool = False
    #: listed in the daily e-mail digest of those who asked for one
    digest: bool = True


KINDS: dict[str, Kind] = {
    # an organizer voided a check-in: at once, the member may still ask for an appeal
    "checkin_voided": Kind(
        _l("Your check-in was voided"),
        _l(
            "%(by)s voided your check-in for Day %(day)s of %(challenge)s (reason: %(reason)s). "
            "You can ask for an appeal until %(appeal_until)s."
        ),
        push=True,
    ),
    # a day's settlement, one of these per enrollment that took part (habits.services.settlement)
    "day_won": Kind(
        _l("Day %(day)s of %(challenge)s settled"),
        _l("Your stake of %(returned)s came back to your wallet, and you won %(won)s."),
    ),
    "day_rested": Kind(
        _l("Day %(day)s of %(challenge)s settled"),
        _l("It was your rest day: your stake of %(returned)s came back to your wallet."),
    ),
    "day_excused": Kind(
        _l("Day %(day)s of %(challenge)s excused"),
        _l("Nothing was forfeited: your stake of %(returned)s came back to your wallet."),
    ),
    "day_missed": Kind(
        _l("Day %(day)s of %(challenge)s missed"),
        _l("There was no valid check-in, so your stake of %(forfeited)s went to the pot."),
    ),
    "last_chance": Kind(
        _l("One more miss eliminates you"),
        _l(
            "%(challenge)s: if you miss another day, you are out and the rest of your deposit "
            "goes to the pot."
        ),
        push=True,
    ),
    "eliminated": Kind(
        _l("You were eliminated from %(challenge)s"),
        _l(
            "You missed Day %(day)s, one miss too many: the %(forfeited)s left of your deposit went "
            "to the pot. You can keep checking in for your streak."
        ),
        push=True,
    ),
    "challenge_finished": Kind(
        _l("You finished %(challenge)s"),
        _l("%(returned)s came back to your wallet at the end, and you won %(won)s on the last day."),
        push=True,
    ),
    "challenge_starts_tomorrow": Kind(
        _l("%(challenge)s starts tomorrow"),
        _l("Day 1's window opens at %(opens)s."),
        push=True,
    ),
    "challenge_cancelled": Kind(
        _l("%(challenge)s was cancelled"),
        _l(
            "Too few members joined, so it will not run. Your deposit of %(refunded)s is back in your wallet."
        ),
        push=True,
    ),
    # money
    "payment_failed": Kind(
        _l("Your deposit was not paid"),
        _l("The payment for %(challenge)s failed: %(reason)s. You can try again until the challenge starts."),
        push=True,
    ),
    "refund_completed": Kind(_l("Refund completed"), _l("%(amount)s is back on your card."), push=True),
    "payout_approved": Kind(
        _l("Payout approved"),
        _l("Your payout of %(amount)s was approved and will be sent to you."),
        push=True,
    ),
    "payout_refused": Kind(
        _l("Payout refused"),
        _l("Your payout of %(amount)s was refused (%(reason)s). The amount is back in your wallet."),
        push=True,
    ),
    "payout_paid": Kind(
        _l("Payout sent"),
        _l("Your payout of %(amount)s was sent (reference %(reference)s)."),
        push=True,
    ),
    # the reminder job (habits.services.notifications.reminders): pushed, never in the digest
    "reminder": Kind(
        _l("Time to check in"),
        _l("%(challenge)s: Day %(day)s's window closes at %(closes_time)s."),
        push=True,
        digest=False,
    ),
    # the feed (habits.services.feed): someone cheered, commented on or mentioned the member
    "cheered": Kind(
        _l("%(by)s cheered you on"),
        _l("%(by)s cheered your check-in for Day %(day)s of %(challenge)s."),
    ),
    "commented": Kind(
        _l("%(by)s commented on your check-in"),
        _l("%(by)s on your check-in for Day %(day)s of %(challenge)s: “%(excerpt)s”"),
        push=True,
    ),
    "mentioned": Kind(
        _l("%(by)s mentioned you"),
        _l("%(by)s mentioned you in a comment on Day %(day)s of %(challenge)s: “%(excerpt)s”"),
        push=True,
    ),
    # an organizer decided the member's appeal (habits.services.appeals)
    "appeal_accepted": Kind(
        _l("Your appeal was accepted"),
        _l(
            "%(by)s accepted your appeal of Day %(day)s of %(challenge)s: "
            "the day counts as checked in (%(reason)s)."
        ),
        push=True,
    ),
    "appeal_refused": Kind(
        _l("Your appeal was refused"),
        _l("%(by)s refused your appeal of Day %(day)s of %(challenge)s (reason: %(reason)s)."),
        push=True,
    ),
    # the health refresh (habits.services.community_health.alerts): to the organizers, once per
    # episode of two or more dates below their threshold
    "health_alert": Kind(
        _l("%(community)s: activity below your alert threshold"),
        _l(
            "The share of members who checked in has stayed below %(threshold)s%% since %(since)s "
            "(two dates running)."
        ),
        push=True,
    ),
    # the same, for one squad of a challenge of theirs (its own episodes)
    "health_alert_squad": Kind(
        _l("%(community)s, squad %(squad)s of %(challenge)s: activity below your alert threshold"),
        _l(
            "The share of the squad's members who checked in has stayed below %(threshold)s%% since "
            "%(since)s (two dates running)."
        ),
        push=True,
    ),
    # badges, awarded by a day's settlement (habits.services.badges): "badge_" + the badge (not
    # the first check-in's: everyone earns it on their first day, told by that day's notice)
    "badge_streak_7": Kind(_l("You earned a badge: 7-day streak"), _l("In %(challenge)s.")),
    "badge_streak_21": Kind(_l("You earned a badge: 21-day streak"), _l("In %(challenge)s.")),
    "badge_streak_66": Kind(_l("You earned a badge: 66-day streak"), _l("In %(challenge)s.")),
    "badge_earliest_riser": Kind(
        _l("You earned a badge: Earliest riser"), _l("The first to check in on Day %(day)s of %(challenge)s.")
    ),
    "badge_top_three": Kind(
        _l("You earned a badge: Top three"), _l("Among the first three on Day %(day)s of %(challenge)s.")
    ),
    "badge_perfect_challenge": Kind(
        _l("You earned a badge: Perfect challenge"), _l("Not a single miss in %(challenge)s.")
    ),
    "badge_comeback": Kind(_l("You earned a badge: Comeback"), _l("Back on track in %(challenge)s.")),
    # several badges of one day in one notification (``badges``: their names, see BADGE_NAMES)
    "badges_earned": Kind(_l("You earned badges: %(badges)s"), _l("On Day %(day)s of %(challenge)s.")),
}

#: each badge's name (habits.domain.levels.Badge values), for a ``badges`` param: the renderer
#: lists the names of the comma-separated values, in the reader's language
BADGE_NAMES: dict[str, str] = {
    "first_check_in": _l("First check-in"),
    "streak_7": _l("7-day streak"),
    "streak_21": _l("21-day streak"),
    "streak_66": _l("66-day streak"),
    "earliest_riser": _l("Earliest riser"),
    "top_three": _l("Top three"),
    "perfect_challenge": _l("Perfect challenge"),
    "comeback": _l("Comeback"),
}

PUSHED = frozenset(name for name, kind in KINDS.items() if kind.push)
IN_DIGEST = frozenset(name for name, kind in KINDS.items() if kind.digest)
