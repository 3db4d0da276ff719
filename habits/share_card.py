"""A check-in's share card as an HTTP answer, for the API and the pages alike.

The words are written in the viewer's language (``locale``), the instant in the challenge's
zone (it is the member's wake-up time where the challenge is held). The ETag is a hash of
exactly what is drawn, so a browser asking again gets a 304 without the card being drawn;
``private, no-cache``: a browser keeps it for its own viewer and asks each time (a name may
change, the viewer may lose sight of the check-in), a shared cache never keeps it.
"""

from __future__ import annotations

import hashlib
import logging
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Response, request
from flask_babel import force_locale, gettext, ngettext
from werkzeug.exceptions import ServiceUnavailable

from habits import card_image, fonts
from habits.services.card_facts import CardFacts

log = logging.getLogger(__name__)

#: bump when the drawing changes, so browsers holding an old card fetch the new one
DRAWING_VERSION = "1"


def card_text(facts: CardFacts, locale: str) -> card_image.CardText:
    local = facts.checked_in_at.astimezone(ZoneInfo(facts.zone))
    day = format_date(local.date(), "medium", locale=locale)
    clock = local.strftime("%H:%M")
    with force_locale(locale):
        if facts.value is not None:
            number = format_decimal(facts.value, locale=locale)
            headline = f"{number} {facts.value_label}" if facts.value_label else number
            headline_label, when = gettext("Result"), f"{day} · {clock}"
        else:
            headline, headline_label, when = clock, gettext("Checked in at"), day
        return card_image.CardText(
            community=facts.community_name,
            challenge=facts.challenge_title,
            headline=headline,
            headline_label=headline_label,
            when=when,
            day=gettext("Day %(day)s of %(days)s", day=facts.day_index + 1, days=facts.days),
            streak=ngettext("%(num)s-day streak", "%(num)s-day streak", facts.streak),
            member=facts.member_name,
            remark=gettext("voided") if facts.voided else "",
        )


def file_name(checkin_id: int) -> str:
    return f"streakpot-checkin-{checkin_id}.png"


def card_response(facts: CardFacts, locale: str) -> Response:
    """The card as ``image/png`` (304 when the browser has this very card; 503 without a font)."""
    text = card_text(facts, locale)
    etag = hashlib.sha256(repr((DRAWING_VERSION, text)).encode()).hexdigest()[:32]
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        try:
            png = card_image.render(text)
        except fonts.FontMissing as missing:
            log.error("share card not drawn: %s", missing)
            raise ServiceUnavailable("Share cards cannot be drawn on this server right now.") from missing
        response = Response(png, mimetype="image/png")
        response.headers["Content-Disposition"] = f'inline; filename="{file_name(facts.checkin_id)}"'
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
