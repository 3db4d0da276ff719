"""A chat message in words: a title and lines, in the hook's language.

Money is written by the same rule as the pages and the notifications (``habits.notify.render``:
the processor's exponent, the reader's locale); instants in the community's summary are shown as
the clock time of the check-in in the community's zone; "Day k+1" as SPEC says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext, ngettext

from habits.notify.render import clock, money, reader_locale


@dataclass(frozen=True)
class Message:
    title: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join((self.title, *self.lines))


def write(purpose: str, params: dict, *, locale: str, zone: ZoneInfo | None = None) -> Message:
    chosen = reader_locale(locale)
    with force_locale(chosen):
        if purpose == "test":
            return Message(
                title=gettext("Streakpot is connected to this chat"),
                lines=(
                    gettext(
                        "“%(community)s” will post its daily summary here at %(time)s.",
                        community=params.get("community", ""),
                        time=params.get("summary_at", ""),
                    ),
                ),
            )
        return _summary(params, chosen, zone or ZoneInfo("UTC"))


def _summary(params: dict, locale: str, zone: ZoneInfo) -> Message:
    title = gettext(
        "%(community)s · summary of %(date)s",
        community=params.get("community", ""),
        date=params.get("date", ""),
    )
    lines: list[str] = []
    challenges = params.get("challenges") or []
    if not challenges:
        lines.append(gettext("No challenge had a day today."))
    for item in challenges:
        lines.append("")
        lines.append(gettext("%(title)s · Day %(day)s", title=item["title"], day=item["day_index"] + 1))
        lines.append(
            gettext(
                "Checked in: %(checked)s of %(taking_part)s",
                checked=item["checked_in"],
                taking_part=item["taking_part"],
            )
        )
        for squad in item.get("squads") or []:
            lines.append(
                gettext(
                    "· %(squad)s: %(checked)s of %(taking_part)s",
                    squad=gettext("Squad %(number)s", number=squad["number"]),
                    checked=squad["checked_in"],
                    taking_part=squad["taking_part"],
                )
            )
        if item.get("risers"):
            risers = ", ".join(
                f"{riser['name']} ({clock(datetime.fromisoformat(riser['at']), zone, locale)})"
                for riser in item["risers"]
            )
            lines.append(gettext("Earliest risers: %(names)s", names=risers))
        for reached in item.get("milestones") or []:
            lines.append(
                ngettext(
                    "%(name)s: a %(num)s-day streak!",
                    "%(name)s: a %(num)s-day streak!",
                    reached["days"],
                    name=reached["name"],
                )  # fmt: skip
            )
        if item.get("eliminated"):
            names = ", ".join(item["eliminated"])
            if item.get("eliminated_more"):
                names += " " + gettext("and %(count)s more", count=item["eliminated_more"])
            lines.append(gettext("Out of the challenge: %(names)s", names=names))
        lines.append(gettext("Pot: %(amount)s", amount=money(item["pot_minor"], item["currency"], locale)))
    return Message(title=title, lines=tuple(lines))
