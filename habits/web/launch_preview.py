"""The launch form's preview: the daily stakes and an example day's settlement, in words.

Worked by ``habits.domain.example_day`` (the stake, fee and split functions settlement moves the
money with) from whatever the money fields hold right now, even while other fields still have
errors: the form page shows it on every render (and its "Update the preview" step), the review
step lists the same sentences, and ``GET .../challenges/preview`` answers the same section for
the page's small script. tests/web/test_launch_preview.py settles a real day and compares.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext, ngettext

from habits.domain import currencies
from habits.domain.calendar import MAX_DAYS
from habits.domain.example_day import ExampleDay, example_day, example_headcount
from habits.domain.stakes import daily_stakes
from habits.web.amounts import AmountRefused, read_amount, read_percent_bps
from habits.web.i18n import money, percent_of_bps

#: the form fields the preview is worked from
MONEY_FIELDS = ("currency", "deposit", "days", "max_misses", "min_participants", "fee_percent", "split")
#: the most a preview's example may count (the form takes up to 1,000,000 to start)
MAX_EXAMPLE_MEMBERS = 1_000_000


@dataclass(frozen=True)
class MoneyRules:
    currency: str
    deposit_minor: int
    days: int
    max_misses: int
    min_participants: int
    fee_bps: int
    random_split: bool


@dataclass(frozen=True)
class Preview:
    rules: MoneyRules
    stake_minor: int
    last_stake_minor: int
    example: ExampleDay


def _whole(text, low: int, high: int) -> int | None:
    try:
        value = int(str(text).strip())
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None


def money_rules(values) -> MoneyRules | None:
    """The money rules in ``values`` (a form's posted texts, or query arguments), read as the form
    reads them; None while one of them is missing or not valid."""
    currency = currencies.lookup(str(values.get("currency") or ""))
    if currency is None:
        return None
    try:
        deposit = read_amount(values.get("deposit"), currency)
    except AmountRefused:
        return None
    days = _whole(values.get("days"), 1, MAX_DAYS)
    max_misses = _whole(values.get("max_misses"), 0, MAX_DAYS)
    min_participants = _whole(values.get("min_participants"), 1, MAX_EXAMPLE_MEMBERS)
    fee_bps = read_percent_bps(values.get("fee_percent"))
    split = values.get("split")
    if None in (days, max_misses, min_participants, fee_bps) or split not in ("equal", "random"):
        return None
    if deposit < days:
        return None
    return MoneyRules(
        currency.code, deposit, days, max_misses, min_participants, fee_bps, random_split=split == "random"
    )


def rules_of(rules: dict) -> MoneyRules:
    """The money rules of a full set the form has read (the services' shape, ``form.rules()``)."""
    return MoneyRules(
        rules["currency"],
        rules["deposit_minor"],
        rules["days"],
        rules["max_misses"],
        rules["min_participants"],
        rules["fee_bps"],
        random_split=str(rules["split"]) == "random",
    )


def form_values(form) -> dict:
    """The texts of a ChallengeForm's money fields as they were typed (or their defaults)."""
    values = {}
    for name in MONEY_FIELDS:
        field = getattr(form, name)
        raw = getattr(field, "raw_data", None)
        values[name] = raw[0] if raw else field.data
    return values


def preview_of(rules: MoneyRules | None) -> Preview | None:
    if rules is None:
        return None
    stakes = daily_stakes(rules.deposit_minor, rules.days)
    members, missers = example_headcount(rules.min_participants)
    example = example_day(
        deposit_minor=rules.deposit_minor,
        days=rules.days,
        max_misses=rules.max_misses,
        fee_bps=rules.fee_bps,
        random_split=rules.random_split,
        members=members,
        missers=missers,
    )
    return Preview(rules, stakes[0], stakes[-1], example)


def stake_facts(preview: Preview) -> list[tuple[str, str]]:
    """(label, value) rows: the daily stake, and the last day's when it carries a remainder."""
    currency = preview.rules.currency
    facts = [(gettext("Daily stake"), money(preview.stake_minor, currency))]
    if preview.last_stake_minor != preview.stake_minor:
        facts.append((gettext("Last day's stake"), money(preview.last_stake_minor, currency)))
    return facts


def example_sentences(preview: Preview) -> list[str]:
    """Day 1 of the example, step by step, as settlement would move the money."""
    ex, currency = preview.example, preview.rules.currency

    def m(amount: int) -> str:
        return money(amount, currency)

    lines = [
        gettext(
            "Say %(members)s members play and %(missers)s of them miss Day 1.",
            members=ex.members,
            missers=ex.missers,
        )
    ]
    if ex.eliminated:
        lines.append(
            gettext(
                "No miss is allowed, so each of them is eliminated and all %(forfeit)s of their "
                "deposit goes to the pot: %(pot)s.",
                forfeit=m(ex.forfeit_each_minor),
                pot=m(ex.pot_minor),
            )
        )
    else:
        lines.append(
            gettext(
                "Each of them loses that day's stake of %(stake)s to the pot: %(pot)s.",
                stake=m(ex.forfeit_each_minor),
                pot=m(ex.pot_minor),
            )
        )
    if ex.fee_minor:
        lines.append(
            gettext(
                "The platform fee of %(percent)s takes %(fee)s; %(rest)s is shared among the %(winners)s "
                "who checked in.",
                percent=percent_of_bps(preview.rules.fee_bps),
                fee=m(ex.fee_minor),
                rest=m(ex.split_minor),
                winners=ex.winners,
            )
        )
    else:
        lines.append(
            gettext(
                "No fee is taken: all %(rest)s is shared among the %(winners)s who checked in.",
                rest=m(ex.split_minor),
                winners=ex.winners,
            )
        )
    if ex.random:
        if ex.share_minor:
            lines.append(
                gettext(
                    "By lucky draw: each of them gets their stake of %(stake)s back and a share of at "
                    "least %(least)s; the shares add up to %(rest)s.",
                    stake=m(ex.stake_minor),
                    least=m(ex.share_minor),
                    rest=m(ex.split_minor),
                )
            )
        else:
            lines.append(
                gettext(
                    "By lucky draw: each of them gets their stake of %(stake)s back; the shares add up "
                    "to %(rest)s, so some get nothing more.",
                    stake=m(ex.stake_minor),
                    rest=m(ex.split_minor),
                )
            )
    else:
        lines.append(
            gettext(
                "Each of them gets their stake of %(stake)s back plus a share of %(share)s: %(total)s.",
                stake=m(ex.stake_minor),
                share=m(ex.share_minor),
                total=m(ex.winner_back_minor),
            )
        )
        if ex.extra_units:
            lines.append(
                ngettext(
                    "%(num)d of them, the earliest to check in, gets %(unit)s more (what does not divide "
                    "evenly).",
                    "%(num)d of them, the earliest to check in, get %(unit)s more each (what does not divide "
                    "evenly).",
                    ex.extra_units,
                    unit=m(1),
                )
            )
    return lines


def section(values) -> dict:
    """What ``organizer/_launch_preview.html`` shows for the money rules in ``values``."""
    preview = preview_of(money_rules(values))
    return {
        "preview": preview,
        "preview_facts": stake_facts(preview) if preview else [],
        "preview_lines": example_sentences(preview) if preview else [],
    }
