"""What the pages say when a service refuses, in the member's language.

A refusal (``habits.services.errors.HabitsError``) carries a stable ``code``, and each of its
field errors (``FieldError``) one too; the pages translate through these two tables and never
through class names or English text. A code missing from a table, or a message function that
answers None, shows the service's own English detail.

To add a translated refusal: give the refusal class its ``code``, add a line here, and the
message's Chinese at the end of translations/zh_Hans/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from flask_babel import gettext

from habits.domain import currencies
from habits.domain.calendar import MAX_DAYS
from habits.services import appeals, email_change, one_time_links
from habits.services.account_deletion import AccountHoldsMoney, OnlyOrganizer
from habits.services.challenges import CancelTooLate, ChallengeOver, RulesFrozen
from habits.services.checkins import AlreadyCheckedIn, CheckInClosed, CheckInNotAllowed, VoidTooLate
from habits.services.daymarks import (
    AlreadyValidCheckIn,
    DayAlreadyDue,
    DayAlreadyExcused,
    DayNotOpenYet,
    EnrollmentNotActive,
    RestDaysUsedUp,
    RestDayTaken,
    RestDayWindowOpened,
)
from habits.services.deposits import DepositNotDue
from habits.services.enrollments import AlreadyEnrolled
from habits.services.entry import QuizFailed, QuizTriesSpent
from habits.services.errors import EnrollmentClosed, Forbidden, HabitsError, InvalidInput
from habits.services.members import EmailTaken, InvalidCredentials
from habits.services.payouts import (
    AdminPasswordWrong,
    OwnPayout,
    PayoutAlreadyDecided,
    PayoutNotApproved,
    PayoutOverCeiling,
    PayoutWalletShort,
)
from habits.services.ports import GatewayUnavailable, StoreUnavailable
from habits.services.referees import RefereePlaysIn
from habits.services.terms import TermsChangedMeanwhile, TermsNotAccepted
from habits.services.wallets import NotEnoughInWallet
from habits.services.withdrawals import NothingRefundable
from habits.web.i18n import money
from habits.web.instants import soon, when

#: a refusal's message from its ``extra`` and the zone of the challenge its instants belong to
#: (they are shown in the reader's zone, named when it is not that one: habits.web.instants)
RefusalMessage = Callable[[Mapping, str | None], str | None]
#: a field error's message from its ``params``
FieldMessage = Callable[[Mapping], str | None]


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _check_in_closed(extra: Mapping, zone: str | None) -> str:
    opens = _instant(extra.get("next_window_opens_at"))
    if opens is None:
        return gettext("This challenge's last window has closed.")
    return gettext("Check-ins are closed right now. Next window: %(when)s.", when=soon(opens, zone))


def _check_in_not_allowed(extra: Mapping, zone: str | None) -> str:
    if extra.get("enrollment_status") == "pending_payment":
        return gettext("Check-ins open once your deposit is paid.")
    return gettext("This enrollment was cancelled: it takes no check-ins.")


def _not_enough_in_wallet(extra: Mapping, zone: str | None) -> str | None:
    currency = extra.get("currency")
    if not currency:
        return None
    return gettext(
        "Your wallet holds %(available)s; this needs %(required)s.",
        available=money(extra.get("available_minor", 0), currency),
        required=money(extra.get("required_minor", 0), currency),
    )


def _forbidden(extra: Mapping, zone: str | None) -> str | None:
    if not extra.get("community_id"):
        return None
    return gettext("This challenge is for members of its community, which has entry rules: join it first.")


def _referee_plays_in(extra: Mapping, zone: str | None) -> str:
    names = [str(name) for name in extra.get("free_referees") or []]
    if names:
        return gettext(
            "You play in this challenge, so you do not referee it: ask an organizer who does not "
            "play in it (%(names)s).",
            names=", ".join(names),
        )
    return gettext(
        "You play in this challenge, and so does every organizer of its community: nobody may void, "
        "record or excuse anything in it."
    )


def _day(extra: Mapping) -> int:
    """The refusal's day as people count it (Day 1 is day_index 0)."""
    return int(extra.get("day_index") or 0) + 1


def _rest_day_window_opened(extra: Mapping, zone: str | None) -> str:
    opened = _instant(extra.get("window_opens_at"))
    if opened is None:
        return gettext(
            "Day %(day)s's window has opened: rest days are declared before it opens.", day=_day(extra)
        )
    return gettext(
        "Day %(day)s's window opened %(when)s: rest days are declared before it opens.",
        day=_day(extra),
        when=when(opened, zone),
    )


def _day_not_open_yet(extra: Mapping, zone: str | None) -> str:
    opens = _instant(extra.get("window_opens_at"))
    if opens is None:
        return gettext("Day %(day)s's window has not opened yet.", day=_day(extra))
    return gettext(
        "Day %(day)s's window has not opened yet: it opens %(when)s.", day=_day(extra), when=soon(opens, zone)
    )


REFUSALS: dict[str, RefusalMessage] = {
    # habits.services.daymarks: rest days, excused days, accepted appeals
    DayAlreadyDue.code: lambda extra, zone: gettext(
        "Day %(day)s is already due for settlement: it can no longer change.", day=_day(extra)
    ),
    EnrollmentNotActive.code: lambda extra, zone: gettext(
        "Only an active enrollment can do this (not one that was eliminated, withdrew or is not paid)."
    ),
    RestDayWindowOpened.code: _rest_day_window_opened,
    RestDayTaken.code: lambda extra, zone: gettext(
        "Day %(day)s is already one of your rest days.", day=_day(extra)
    ),
    RestDaysUsedUp.code: lambda extra, zone: gettext(
        "This challenge allows %(count)s rest day(s) and you have used them all.",
        count=extra.get("rest_days", 0),
    ),
    DayAlreadyExcused.code: lambda extra, zone: gettext(
        "Day %(day)s is already excused: %(reason)s", day=_day(extra), reason=extra.get("reason", "")
    ),
    DayNotOpenYet.code: _day_not_open_yet,
    AlreadyValidCheckIn.code: lambda extra, zone: gettext(
        "This member already has a valid check-in on day %(day)s.", day=_day(extra)
    ),
    CheckInClosed.code: _check_in_closed,
    AlreadyCheckedIn.code: lambda extra, zone: gettext(
        "You have already checked in for day %(day)s.", day=(extra.get("day_index") or 0) + 1
    ),
    CheckInNotAllowed.code: _check_in_not_allowed,
    NotEnoughInWallet.code: _not_enough_in_wallet,
    NothingRefundable.code: lambda extra, zone: gettext(
        "Nothing can go back to your card: a card refund can only return deposits you paid by "
        "card and that were not refunded yet. Winnings stay in your wallet for future deposits."
    ),
    EnrollmentClosed.code: lambda extra, zone: gettext("Enrollment closed when day 1's window opened."),
    AlreadyEnrolled.code: lambda extra, zone: gettext("You are already enrolled in this challenge."),
    EmailTaken.code: lambda extra, zone: gettext(
        "An account with this email already exists; log in instead."
    ),
    InvalidCredentials.code: lambda extra, zone: gettext("The email or the password is not right."),
    DepositNotDue.code: lambda extra, zone: gettext("No deposit is due for this enrollment."),
    VoidTooLate.code: lambda extra, zone: gettext(
        "This day is already due for settlement: its check-ins are final."
    ),
    GatewayUnavailable.code: lambda extra, zone: gettext(
        "The payment processor cannot be reached right now; please try again in a moment."
    ),
    StoreUnavailable.code: lambda extra, zone: gettext(
        "Photos cannot be stored or shown right now; please try again in a moment. "
        "A check-in without a photo still works."
    ),
    Forbidden.code: _forbidden,
    # the fields themselves say what is wrong (field_message)
    InvalidInput.code: lambda extra, zone: gettext("Please correct the marked fields."),
    RefereePlaysIn.code: _referee_plays_in,
    RulesFrozen.code: lambda extra, zone: gettext(
        "Members have joined or paid under these rules: the marked ones can no longer change."
    ),
    ChallengeOver.code: lambda extra, zone: gettext(
        "The challenge is cancelled: its rules can no longer change."
    ),
    QuizFailed.code: lambda extra, zone: gettext("The quiz was not passed."),
    QuizTriesSpent.code: lambda extra, zone: gettext(
        "You have used your tries at the quiz for today; try again tomorrow."
    ),
    CancelTooLate.code: lambda extra, zone: gettext(
        "Day 1's window has opened: members play for their deposits now, and the challenge can no "
        "longer be cancelled."
    ),
}


def friendly_error(refusal: HabitsError, *, zone: str | None = None, **_ignored) -> str:
    """What to tell the member about a service's refusal, in their language where we know it.
    ``zone``: the zone of the challenge the refusal's instants belong to (they are shown in
    the member's own zone, named when it is not that one)."""
    say = REFUSALS.get(getattr(refusal, "code", None))
    message = say(getattr(refusal, "extra", None) or {}, zone) if say else None
    if message:
        return str(message)
    return getattr(refusal, "detail", None) or str(refusal)


def _window_missing(params: Mapping) -> str:
    dates = list(params.get("dates") or [])
    shown = ", ".join(dates[:3]) + (" …" if len(dates) > 3 else "")
    return gettext(
        "This window does not exist on some days in this time zone (a daylight-saving change): choose "
        "other times. %(detail)s",
        detail=shown,
    )


def _deposit_below_days(params: Mapping) -> str:
    days, currency = params.get("days"), params.get("currency")
    if not days or not currencies.is_currency(currency):
        return gettext("The deposit must cover at least the smallest coin for each day.")
    return gettext(
        "The deposit must be at least %(least)s: the smallest coin for each of the %(days)s days.",
        least=money(days, currency),
        days=days,
    )


FIELD_MESSAGES: dict[str, FieldMessage] = {
    # habits.services.outbound_urls (chat webhooks, push endpoints)
    "url_length": lambda params: gettext(
        "Give a URL of at most %(max)s characters.", max=params.get("max", 2048)
    ),
    "url_spaces": lambda params: gettext("A URL has no spaces or control characters."),
    "url_not_https": lambda params: gettext("The URL must start with https://."),
    "url_credentials": lambda params: gettext("The URL must not carry a user name or password."),
    "url_port": lambda params: gettext("The URL must use the standard HTTPS port (443)."),
    "url_no_host": lambda params: gettext("The URL has no host."),
    "url_bad_host": lambda params: gettext("The URL's host is not a valid name."),
    "url_numeric_host": lambda params: gettext("Write an IP address as four decimal numbers, or use a name."),
    "url_host_not_allowed": lambda params: gettext(
        "%(host)s is not a host of this chat app: copy the URL from the app's own webhook settings.",
        host=params.get("host", ""),
    ),
    "url_host_unknown": lambda params: gettext("%(host)s could not be found.", host=params.get("host", "")),
    "url_private_address": lambda params: gettext(
        "%(host)s is not a public address on the internet.", host=params.get("host", "")
    ),
    # habits.services.chat_hooks
    "chat_id_required": lambda params: gettext("Give the Telegram chat's id (a number, or @channelname)."),
    "unknown_locale": lambda params: gettext("Choose English or Chinese."),
    # habits.services.challenges.check_rules
    "not_a_time": lambda params: gettext("Write a time as HH:MM, from 00:00 to 24:00 (e.g. 06:30)."),
    "window_opens_at_midnight": lambda params: gettext("The window must open before 24:00."),
    "window_closes_before_open": lambda params: gettext(
        "The window must close after it opens (24:00 is the end of the day)."
    ),
    "days_out_of_range": lambda params: gettext(
        "A whole number from %(min)s to %(max)s.", min=params.get("low", 1), max=params.get("high", MAX_DAYS)
    ),
    "deposit_below_days": _deposit_below_days,
    "rest_days_over_days": lambda params: gettext("There cannot be more rest days than days."),
    "no_participants": lambda params: gettext("At least one participant."),
    "window_missing_on_days": _window_missing,
    "day_zero_opened": lambda params: gettext(
        "Day 1's window has already opened: choose a later start date or window."
    ),
    "unknown_currency": lambda params: gettext("Choose a currency from the list."),
    "squad_size_out_of_range": lambda params: gettext(
        "From %(min)s to %(max)s members a squad.", min=params.get("low", 2), max=params.get("high", 500)
    ),
    "flash_too_long": lambda params: gettext(
        "A flash challenge lasts 1 to %(max)s days.", max=params.get("high", 3)
    ),
    # habits.services.communities.join_community
    "invite_code_wrong": lambda params: gettext("The invite code is missing or not right."),
    "invitation_used_up": lambda params: gettext("This invitation has brought in as many people as it may."),
    # habits.domain.entry: a member's answers
    "quiz_answers_missing": lambda params: gettext("Answer each of the quiz's questions."),
    "quiz_answer_choice": lambda params: gettext("Pick one of the question's choices."),
    "quiz_failed": lambda params: gettext(
        "%(right)s right, %(needed)s needed to pass. Read the house rules and try again.",
        right=params.get("right", "?"),
        needed=params.get("pass_mark", "?"),
    ),
    "form_required": lambda params: gettext("This field is required."),
    "form_number": lambda params: gettext("Enter a number."),
    "form_number_range": lambda params: gettext(
        "Enter a number from %(min)s to %(max)s.", min=params.get("min", "?"), max=params.get("max", "?")
    ),
    "form_text": lambda params: gettext("Enter some text."),
    "form_choice": lambda params: gettext("Pick one of the choices."),
    "form_too_long": lambda params: gettext("At most %(max)s characters.", max=params.get("max", "?")),
    "form_unknown_field": lambda params: gettext("This form has no such field."),
    # habits.domain.entry: the organizer's quiz and form
    "quiz_empty": lambda params: gettext("A quiz needs at least one question."),
    "quiz_choices": lambda params: gettext("A question needs at least two choices."),
    "quiz_choices_repeated": lambda params: gettext("Each choice must differ from the others."),
    "quiz_answer": lambda params: gettext("Pick the right answer among the choices."),
    "quiz_pass_mark": lambda params: gettext(
        "The pass mark is between 1 and the number of questions (%(questions)s).",
        questions=params.get("questions", "?"),
    ),
    "form_key": lambda params: gettext(
        "A key is a lower-case letter, then letters, digits or _ (32 at most)."
    ),
    "form_key_repeated": lambda params: gettext("Each field needs its own key."),
    "form_choices": lambda params: gettext("A choice field needs at least two different choices."),
    "form_bounds": lambda params: gettext("The largest number is below the smallest."),
    # habits.services.passwords and members.change_password
    "password_blank": lambda params: gettext("A password cannot be only spaces."),
    "password_too_common": lambda params: gettext(
        "This password is one of the most common ones, which are guessed first: choose another."
    ),
    "current_password_wrong": lambda params: gettext("The current password is not right."),
    # habits.services.challenges.update_challenge (SPEC "Money rules freeze")
    "frozen_since_joined": lambda params: gettext("Frozen since the first member joined."),
    "frozen_since_paid": lambda params: gettext("Frozen since the first deposit was paid."),
    "frozen_since_day_zero": lambda params: gettext("Frozen since day 1's window opened."),
    "frozen_challenge_over": lambda params: gettext("Frozen: the challenge is cancelled."),
    # habits.services.photos.accept_photo
    "photo_empty": lambda params: gettext("The photo is empty."),
    "photo_too_large": lambda params: gettext(
        "The photo is larger than %(max_kib)s KiB.", max_kib=params.get("max_kib", "?")
    ),
    "photo_not_an_image": lambda params: gettext("The photo must be a JPEG, PNG or WebP image."),
    "photo_not_decodable": lambda params: gettext(
        "The photo could not be read as an image: it may be damaged or cut short."
    ),
    "photo_too_many_pixels": lambda params: gettext(
        "The photo has too many pixels: at most %(megapixels)s megapixels.",
        megapixels=params.get("megapixels", "?"),
    ),
}


def field_message(error) -> str:
    """One field error for a page: translated by its code, else the service's English message."""
    say = FIELD_MESSAGES.get(getattr(error, "code", None))
    message = say(getattr(error, "params", None) or {}) if say else None
    return str(message) if message else str(error)


def template_helpers() -> dict:
    return {"friendly_error": friendly_error}


# -- links mailed to members (habits.services.one_time_links) ---------------------------------

LINK_REASONS: dict[str, Callable[[], str]] = {
    one_time_links.UNKNOWN: lambda: gettext("This link is not valid: ask for a new one."),
    one_time_links.EXPIRED: lambda: gettext("This link has expired: ask for a new one."),
    one_time_links.USED: lambda: gettext("This link was already used: ask for a new one."),
}
REFUSALS[one_time_links.LinkRefused.code] = lambda extra, zone: LINK_REASONS.get(
    extra.get("reason"), LINK_REASONS[one_time_links.UNKNOWN]
)()


# -- one's address (habits.services.email_change) --------------------------------------------

REFUSALS[email_change.EmailInUse.code] = lambda extra, zone: gettext("Another account has this address.")
REFUSALS[email_change.EmailChangeTooOften.code] = lambda extra, zone: gettext(
    "You asked to change your address too often today: try again tomorrow."
)
FIELD_MESSAGES["email_in_use"] = lambda params: gettext("Another account has this address.")
FIELD_MESSAGES["email_invalid"] = lambda params: gettext("Write an email address like name@example.com.")


# -- payouts (habits.services.payouts) --------------------------------------------------------


def _payout_over_ceiling(extra: Mapping, zone: str | None) -> str | None:
    currency = extra.get("currency")
    if not currency:
        return None
    return gettext(
        "A payout can take at most %(ceiling)s now. Of the %(available)s in your wallet, %(refundable)s "
        "can go back to your cards as a withdrawal, and %(requested)s is already asked for.",
        ceiling=money(extra.get("ceiling_minor", 0), currency),
        available=money(extra.get("available_minor", 0), currency),
        refundable=money(extra.get("refundable_minor", 0), currency),
        requested=money(extra.get("requested_minor", 0), currency),
    )


def _payout_wallet_short(extra: Mapping, zone: str | None) -> str | None:
    currency = extra.get("currency")
    if not currency:
        return None
    return gettext(
        "The member's wallet holds %(available)s; this payout needs %(required)s. "
        "Refuse it with that reason.",
        available=money(extra.get("available_minor", 0), currency),
        required=money(extra.get("required_minor", 0), currency),
    )


REFUSALS.update(
    {
        PayoutOverCeiling.code: _payout_over_ceiling,
        PayoutWalletShort.code: _payout_wallet_short,
        PayoutAlreadyDecided.code: lambda extra, zone: gettext(
            "This payout was already decided: see what happened to it below."
        ),
        PayoutNotApproved.code: lambda extra, zone: gettext("Approve this payout before marking it paid."),
        OwnPayout.code: lambda extra, zone: gettext(
            "Nobody decides their own payout: another site administrator does."
        ),
        AdminPasswordWrong.code: lambda extra, zone: gettext(
            "Your password is not right: nothing was approved."
        ),
    }
)


# -- appeals (habits.services.appeals) --------------------------------------------------------


def _appeal_too_late(extra: Mapping, zone: str | None) -> str:
    due = _instant(extra.get("due_at"))
    if due is None:
        return gettext("That day is already due for settlement: its appeals can no longer be accepted.")
    return gettext(
        "That day was due for settlement at %(when)s: its appeals can no longer be asked for or accepted.",
        when=when(due, zone),
    )


REFUSALS.update(
    {
        appeals.AppealNotActive.code: lambda extra, zone: gettext(
            "Only an active enrollment can appeal a day."
        ),
        appeals.AppealDayNotOpen.code: lambda extra, zone: gettext(
            "That day's window has not opened yet: there is nothing to appeal."
        ),
        appeals.AppealTooLate.code: _appeal_too_late,
        appeals.AppealNotNeeded.code: lambda extra, zone: gettext(
            "That day already counts for you: there is nothing to appeal."
        ),
        appeals.AppealCheckInInstead.code: lambda extra, zone: gettext(
            "The check-in window is still open: check in instead."
        ),
        appeals.AppealAlreadyPending.code: lambda extra, zone: gettext(
            "Your appeal of that day is already waiting for the organizers."
        ),
        appeals.AppealAlreadyDecided.code: lambda extra, zone: gettext(
            "This appeal was already decided: see the referee log."
        ),
    }
)


# -- terms, deleting an account, handing a community over (habits.services.terms, account_deletion)


def _account_holds_money(extra: Mapping, zone: str | None) -> str:
    return gettext(
        "Money is still held for you: take it out, or wait until it is settled. The page lists where it is."
    )


REFUSALS.update(
    {
        TermsNotAccepted.code: lambda extra, zone: gettext(
            "Before you pay a deposit, read the terms of this service and accept them."
        ),
        TermsChangedMeanwhile.code: lambda extra, zone: gettext(
            "Another version of the terms was published meanwhile: read it, then publish yours again."
        ),
        AccountHoldsMoney.code: _account_holds_money,
        OnlyOrganizer.code: lambda extra, zone: gettext(
            "You are the only organizer of a community others belong to: hand it over first."
        ),
    }
)
FIELD_MESSAGES.update(
    {
        "terms_acceptance_missing": lambda params: gettext("Accept the terms of service to go on."),
        "terms_version_outdated": lambda params: gettext(
            "The terms have changed since you read them: read them again."
        ),
        "terms_body_blank": lambda params: gettext("Write the terms."),
        "terms_body_too_long": lambda params: gettext(
            "At most %(max)s characters.", max=params.get("max", "?")
        ),
        "terms_body_unchanged": lambda params: gettext(
            "These are the terms in force already: change them before publishing."
        ),
        "password_wrong": lambda params: gettext("The password is not right."),
    }
)
