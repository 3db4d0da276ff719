"""Drawing a share card: words already written in the viewer's language in, PNG bytes out.

1080 x 1350 (4:5 portrait): a card is shared as a picture, not as a link preview, and chat apps
(WeChat, WhatsApp, Telegram) and WeChat Moments show a picture at the phone's width: a 4:5
portrait fills that width without being cropped, where a 1200 x 630 link-preview card would be a
thin strip with small text. Flat colours keep the PNG small (under 100 kB).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

from habits import fonts

WIDTH, HEIGHT = 1080, 1350
MARGIN = 90
BACKGROUND = "#fbfaf7"
ACCENT = "#0a6e4f"  # the pages' --accent
INK = "#1d232a"
MUTED = "#525c66"
ON_ACCENT = "#ffffff"
BAND = 300
#: where the member's name is drawn (tests draw it there with the font alone to compare)
NAME_TOP = HEIGHT - 205


@dataclass(frozen=True)
class CardText:
    """Every line of a card, in the viewer's language."""

    community: str
    challenge: str
    #: the big line: the wake-up time ("06:12") or the number with its label ("5 km")
    headline: str
    #: what the big line is ("Checked in at", "Your number")
    headline_label: str
    #: the date, and the time when the big line is a number
    when: str
    day: str
    streak: str
    member: str
    #: e.g. "voided", or empty
    remark: str = ""
    brand: str = "Streakpot"


def _fit(draw: ImageDraw.ImageDraw, text: str, face: fonts.FontFace, size: int, width: int):
    """The largest font (down to half ``size``) ``text`` fits ``width`` in, and the text, cut
    with an ellipsis if it still does not fit."""
    smallest = max(size // 2, 12)
    for trial in range(size, smallest - 1, -4):
        font = fonts.load(face, trial)
        if draw.textlength(text, font=font) <= width:
            return font, text
    font = fonts.load(face, smallest)
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return font, text + "…"


def _line(draw, y: int, text: str, face, size: int, fill: str) -> int:
    """Draws ``text`` left-aligned at ``y`` (fitted to the card's width); returns the next y."""
    if not text:
        return y
    font, shown = _fit(draw, text, face, size, WIDTH - 2 * MARGIN)
    draw.text((MARGIN, y), shown, font=font, fill=fill)
    ascent, descent = font.getmetrics()
    return y + ascent + descent


def render(text: CardText) -> bytes:
    """The card as PNG bytes (FontMissing when no font covers Chinese)."""
    faces = fonts.card_fonts()
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, BAND), fill=ACCENT)
    y = _line(draw, 80, text.community, faces.bold, 64, ON_ACCENT)
    _line(draw, y + 16, text.challenge, faces.regular, 44, ON_ACCENT)

    y = _line(draw, BAND + 60, text.headline_label, faces.regular, 48, MUTED)
    y = _line(draw, y, text.headline, faces.bold, 220, INK)
    y = _line(draw, y, text.when, faces.regular, 44, MUTED)
    y = _line(draw, y + 30, text.day, faces.bold, 72, ACCENT)
    y = _line(draw, y, text.streak, faces.bold, 60, INK)
    _line(draw, y, text.remark, faces.regular, 44, MUTED)

    draw.line((MARGIN, NAME_TOP - 25, WIDTH - MARGIN, NAME_TOP - 25), fill="#d5dbe0", width=3)
    _line(draw, NAME_TOP, text.member, faces.bold, 80, INK)
    _line(draw, HEIGHT - 85, text.brand, faces.regular, 36, MUTED)
    out = io.BytesIO()
    # zlib level 6 without optimize: nearly as small, several times faster to write
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
